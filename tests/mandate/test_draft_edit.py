"""Editing a draft in place: any sequence of edits leaves TOML that reads back what was set,
keeps every comment and `detected` note, or is refused naming the field and changes nothing;
a draft filled in by edits alone parses as a mandate."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.detect.base import Category, ColumnFinding
from sceau.detect.report import ScanReport, TableScan
from sceau.mandate.draft import draft_mandate
from sceau.mandate.draft_edit import (
    HEADER,
    TREATMENTS,
    column_rules,
    header_values,
    overrule,
    set_header,
    set_treatment,
)
from sceau.mandate.model import MandateError, Party
from sceau.mandate.parse import parse_mandate

TODAY = date(2026, 12, 7)
COLUMNS = {  # awkward names on purpose: spaces, quotes, a backslash, dots and brackets
    "NOM": Category.PERSON_NAME,
    "date de naissance": Category.BIRTH_DATE,
    'dit "le"': Category.FREE_TEXT,
    "back\\slash": Category.OTHER,
    "name[0].family": Category.PERSON_NAME,
}
FILLED = {
    "purpose": "Move the lab's records to its new software",
    "legal_reference": "Processing agreement 2026-014 (GDPR art. 28)",
    "controller.name": "Laboratoire A",
    "processor.name": "LIS Vendor SAS",
    "validity.from": "2026-12-01",
    "validity.until": "2027-01-01",
    "destination.location": "postgresql://lis@new-host/lab",
    "destination.table": "patients",
}


def draft() -> str:
    report = ScanReport(
        tables=[
            TableScan(
                source="/exports/lab-a.csv",
                kind="csv",
                rows=10,
                columns=[ColumnFinding(name, category, 0.9) for name, category in COLUMNS.items()],
            )
        ]
    )
    return draft_mandate(
        "/exports/lab-a.csv",
        scan_report=report,
        controller=Party("TODO: the lab's legal name", "130000011"),
        today=TODAY,
    )


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


texts = st.text(max_size=40) | st.sampled_from(
    ["", " ", "TODO", "a # not a comment", 'say "hi"', "2026-12-31", "true", "0", "7"]
)
header_edits = st.tuples(st.just("header"), st.sampled_from(sorted(HEADER)), texts)
treatment_edits = st.tuples(
    st.just("treatment"),
    st.sampled_from([*COLUMNS, "missing"]),
    st.sampled_from([*TREATMENTS, "generalise", "nothing"]),
    st.sampled_from(["", "renamed", "bad name!"]),
)
overrule_edits = st.tuples(
    st.just("overrule"),
    st.sampled_from([*COLUMNS, "missing"]),
    st.sampled_from(["", "LOGIN", "OTHER", "PERSON_NAME", "lower"]),
    texts,
)


def apply(text: str, edit: tuple[str, ...]) -> tuple[str, MandateError | None]:
    """The edited text, or the refusal (and the text as it was)."""
    kind, target = edit[0], edit[1]
    try:
        if kind == "header":
            return set_header(text, target, edit[2]), None
        if kind == "treatment":
            return set_treatment(text, target, edit[2], edit[3]), None
        return overrule(text, target, edit[2], edit[3]), None
    except MandateError as refusal:
        return text, refusal


@settings(max_examples=300, deadline=None)
@given(st.lists(header_edits | treatment_edits | overrule_edits, max_size=12))
def test_any_edit_sequence_keeps_a_draft_that_reads_back_or_is_refused_by_field(edits):
    text = draft()
    notes = {name: rule["detected"] for name, rule in column_rules(text).items()}
    kept_comments = comments(text)
    for edit in edits:
        kind, target = edit[0], edit[1]
        changed, refusal = apply(text, edit)
        if refusal is not None:
            assert target in refusal.where  # the refusal names the field or the column
            continue
        tomllib.loads(changed)
        if kind == "header":
            shown = header_values(changed)[target]
            if target == "staging.retention_days":
                assert int(shown) == int(edit[2])  # written as a number: 007 is 7
            else:
                assert shown == edit[2].strip() or target.startswith("validity.")
        elif kind == "treatment":
            rule = column_rules(changed)[target]
            assert (rule["treatment"], rule.get("to", "")) == (edit[2], edit[3])
        else:
            assert column_rules(changed)[target].get("category", "") == edit[2]
        text = changed
        assert {n: r["detected"] for n, r in column_rules(text).items()} == notes
        assert comments(text) == kept_comments


def test_a_draft_filled_by_edits_alone_is_a_mandate():
    text = draft()
    for field, value in FILLED.items():
        text = set_header(text, field, value)
    text = set_treatment(text, "NOM", "pseudonymise")
    text = set_treatment(text, "date de naissance", "generalise:year", "birth_year")
    text = overrule(text, 'dit "le"', "OTHER", "a free comment the lab never fills in")
    mandate = parse_mandate(text.encode("utf-8"))
    assert mandate.purpose == FILLED["purpose"]
    assert mandate.controller.finess == "130000011"
    assert mandate.valid_until.date() == date(2027, 1, 1)
    assert [r.source for r in mandate.moved] == ["NOM", "date de naissance"]
    assert mandate.rule("date de naissance").target == "birth_year"
    rule = mandate.rule('dit "le"')
    assert (rule.detected, rule.category, rule.reason) == (
        "FREE_TEXT",
        "OTHER",
        "a free comment the lab never fills in",
    )
    assert "# sceau mandate, drafted on 2026-12-07" in text
    assert "retention_days = 7  # encrypted staging" in text  # a line's comment is kept


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("processor.finess", "12345", "processor.finess"),
        ("destination.location", "postgresql://lis:secret@host/lab", "destination.location"),
        ("validity.until", "31/12/2026", "validity.until"),
        ("purpose", "two\nlines", "purpose"),
        ("staging.retention_days", "99999", "staging.retention_days"),
    ],
)
def test_a_value_that_does_not_fit_is_refused_naming_its_field(field, value, where):
    with pytest.raises(MandateError) as refused:
        set_header(draft(), field, value)
    assert refused.value.where == where
    assert "secret" not in refused.value.message + refused.value.hint


def test_an_override_needs_its_reason_and_can_be_taken_back():
    with pytest.raises(MandateError) as refused:
        overrule(draft(), "NOM", "LOGIN", "  ")
    assert refused.value.where == "columns.NOM.reason"
    overruled = overrule(draft(), "NOM", "LOGIN", "portal logins, not names")
    taken_back = overrule(overruled, "NOM", "", "")
    assert column_rules(taken_back)["NOM"] == {"treatment": "drop", "detected": "PERSON_NAME"}
