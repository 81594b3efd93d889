"""Deny by default and the drift guard: the rules no mandate may break, and a changed source."""

from __future__ import annotations

import pytest

from sceau.detect.base import Category, ColumnFinding, HealthCategory
from sceau.detect.report import TableScan
from sceau.mandate.model import MandateError
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import DriftError, check_drift, check_mandate

from . import EXAMPLE, SOURCE_COLUMNS

SCANNED = {
    "NUM_DOSSIER": Category.RECORD_ID,
    "N_SS": Category.NIR,
    "NOM_PAT": Category.PERSON_NAME,
    "DDN": Category.BIRTH_DATE,
    "CP_PAT": Category.POSTCODE,
    "COMMENT1": Category.HEALTH_TEXT,
    "MP": Category.PASSWORD,
    "DT_DERN_VISITE": Category.DATE,
    "FINESS": Category.FINESS,
}


def mandate(*lines: str):
    """EXAMPLE with the column rules given as full lines replacing theirs."""
    text = EXAMPLE
    for line in lines:
        name = line.split(" =", 1)[0]
        old = next(x for x in EXAMPLE.splitlines() if x.startswith(f"{name} ="))
        text = text.replace(old, line)
    return parse_mandate(text.encode("utf-8"), where="m.toml")


def source(**changes: ColumnFinding | None) -> TableScan:
    """The scan of the example's source; ``changes`` replace (or, with None, remove) columns."""
    columns = {name: ColumnFinding(name, category, 0.99) for name, category in SCANNED.items()}
    columns["COMMENT1"].health_categories = {HealthCategory.HIV: 3}
    for name, finding in changes.items():
        if finding is None:
            columns.pop(name)
        else:
            columns[name] = finding
    return TableScan("exports/lab-a.csv", "csv", 100, list(columns.values()))


def drift(scan: TableScan, *lines: str) -> DriftError:
    with pytest.raises(DriftError) as caught:
        check_drift(mandate(*lines), scan)
    return caught.value


def test_the_example_follows_every_rule_and_matches_its_source():
    check_mandate(mandate())
    check_drift(mandate(), source())


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('MP = { treatment = "keep", detected = "PASSWORD" }', "only be dropped or re-hashed"),
        ('MP = { treatment = "encrypt", detected = "PASSWORD" }', "only be dropped or re-hashed"),
        ('MP = { treatment = "pseudonymise", detected = "PASSWORD_HASH" }', "re-hashed"),
        ('NOM_PAT = { treatment = "rehash-password", detected = "PERSON_NAME" }', "password"),
        ('NOM_PAT = { treatment = "rehash-password", detected = "LOGIN" }', "password columns"),
        ('NOM_PAT = { treatment = "pseudonymise:nir", detected = "PERSON_NAME" }', "NIR or INS"),
        ('NOM_PAT = { treatment = "generalise:year", detected = "PERSON_NAME" }', "DATE"),
        ('DDN = { treatment = "generalise:department", detected = "BIRTH_DATE" }', "POSTCODE"),
        ('NOM_PAT = { treatment = "keep" }', "`detected`"),
        ('NOM_PAT = { treatment = "keep", detected = "SURNAME" }', "not a category"),
    ],
)
def test_static_rules_name_the_column_and_the_rule(line, message):
    with pytest.raises(MandateError) as caught:
        check_mandate(mandate(line))
    assert message in caught.value.message
    column = line.split(" =", 1)[0]
    assert caught.value.where.startswith(f"mandate lab-a-2019-2020: columns.{column}")


@pytest.mark.parametrize(
    "line",
    [
        'MP = { treatment = "rehash-password", detected = "PASSWORD_HASH" }',
        'N_SS = { treatment = "pseudonymise:nir", detected = "INS" }',
        'N_SS = { treatment = "keep", detected = "NIR" }',
        'DDN = { treatment = "generalise:month", detected = "DATE" }',
        'MP = { treatment = "drop" }',
        'MP = { treatment = "drop", detected = "PASSWORD" }',
    ],
)
def test_allowed_treatments_pass(line):
    check_mandate(mandate(line))


def test_an_added_column_is_drift():
    extra = ColumnFinding("MUTUELLE", Category.INSURER_ID, 0.9)
    scan = source()
    scan.columns.insert(3, extra)
    error = drift(scan)
    assert (error.column, error.where) == ("MUTUELLE", "mandate lab-a-2019-2020")
    assert "did not know of" in error.reason
    assert str(error).startswith("mandate lab-a-2019-2020: column 'MUTUELLE': ")


@pytest.mark.parametrize("removed", ["NOM_PAT", "FINESS"])
def test_a_removed_column_is_drift_even_a_dropped_one(removed):
    error = drift(source(**{removed: None}))
    assert error.column == removed
    assert "no longer has it" in error.reason


def test_a_column_now_more_sensitive_is_drift():
    scan = source(NOM_PAT=ColumnFinding("NOM_PAT", Category.NIR, 0.9))
    error = drift(scan)
    assert error.column == "NOM_PAT"
    assert "NIR (identifier data)" in error.reason
    assert "PERSON_NAME (personal data)" in error.reason


def test_free_text_that_now_holds_health_data_is_drift():
    line = 'COMMENT1 = { treatment = "redact-identifiers", detected = "FREE_TEXT" }'
    comment = ColumnFinding("COMMENT1", Category.FREE_TEXT, 0.9)
    check_drift(mandate(line), source(COMMENT1=comment))
    comment.health_categories = {HealthCategory.CANCER: 2}
    assert drift(source(COMMENT1=comment), line).column == "COMMENT1"


def test_less_sensitive_than_noted_is_not_drift():
    check_drift(mandate(), source(N_SS=ColumnFinding("N_SS", Category.OTHER, 0.2)))


def test_a_dropped_column_may_change_freely():
    check_drift(mandate(), source(FINESS=ColumnFinding("FINESS", Category.PASSWORD, 0.9)))


@pytest.mark.parametrize(
    "line",
    [
        'DT_DERN_VISITE = { treatment = "keep", detected = "DATE" }',
        'DT_DERN_VISITE = { treatment = "generalise:year", detected = "DATE" }',
        'DT_DERN_VISITE = { treatment = "encrypt", detected = "DATE" }',
    ],
)
def test_a_moved_column_that_now_holds_passwords_is_refused(line):
    scan = source(DT_DERN_VISITE=ColumnFinding("DT_DERN_VISITE", Category.PASSWORD, 0.9))
    error = drift(scan, line)
    assert error.column == "DT_DERN_VISITE"
    assert "passwords" in error.reason


def test_a_rehashed_password_column_is_fine_as_plain_or_hashed():
    check_drift(mandate(), source(MP=ColumnFinding("MP", Category.PASSWORD_HASH, 0.9)))


def test_comments_carrying_nirs_kept_as_is_are_refused():
    line = 'COMMENT1 = { treatment = "keep", detected = "HEALTH_TEXT" }'
    comment = ColumnFinding("COMMENT1", Category.HEALTH_TEXT, 0.9)
    comment.health_categories = {HealthCategory.HIV: 4}
    check_drift(mandate(line), source(COMMENT1=comment))  # health text, knowingly kept
    comment.embedded = {Category.NIR: 3, Category.PHONE: 1, Category.EMAIL: 0}
    error = drift(source(COMMENT1=comment), line)
    assert error.column == "COMMENT1"
    assert "identifiers (NIR, PHONE)" in error.reason
    assert "EMAIL" not in error.reason
    assert "redact-identifiers" in error.hint


@pytest.mark.parametrize("treatment", ["redact-identifiers", "pseudonymise", "encrypt", "drop"])
def test_comments_carrying_nirs_are_fine_when_protected(treatment):
    comment = ColumnFinding("COMMENT1", Category.HEALTH_TEXT, 0.9)
    comment.embedded = {Category.NIR: 3}
    line = f'COMMENT1 = {{ treatment = "{treatment}", detected = "HEALTH_TEXT" }}'
    check_drift(mandate(line), source(COMMENT1=comment))


def test_an_unknown_detected_note_is_refused_before_any_comparison():
    line = 'COMMENT1 = { treatment = "keep", detected = "COMMENTS" }'
    with pytest.raises(MandateError, match="not a category") as caught:
        check_drift(mandate(line), source())
    assert not isinstance(caught.value, DriftError)


def test_drift_is_checked_in_the_source_order_first_added_then_removed():
    scan = source(NOM_PAT=None)
    scan.columns.append(ColumnFinding("NOUVELLE", Category.OTHER, 0.5))
    assert drift(scan).column == "NOUVELLE"
    assert set(SOURCE_COLUMNS) - {c.name for c in scan.columns} == {"NOM_PAT"}
