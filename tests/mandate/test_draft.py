"""Drafting a mandate from a scan of a synthetic lab: all dropped, nothing signable unfilled."""

from __future__ import annotations

import json
import re
import sqlite3
import tomllib
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.detect.base import Category, ColumnFinding
from sceau.detect.report import ScanReport, TableScan
from sceau.detect.scan import scan
from sceau.mandate.draft import draft_mandate
from sceau.mandate.model import MandateError, Party, Treatment
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import DriftError, check_drift, check_mandate
from sceau.synth import write_labs

TODAY = date(2026, 3, 10)
PLACEHOLDERS = {
    "purpose": "Migration to the new LIS",
    "legal_reference": "Contract of 2026-01-15, art. 4",
    "controller.name": "Laboratoire des Deux Rives",
    "controller.finess": "750000001",
    "processor.name": "LIS Vendor SAS",
    "destination.location": "postgresql://lis@new-host/lab",
    "destination.table": "patients",
}


@pytest.fixture(scope="module")
def labs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("labs")
    write_labs(folder, labs=("lab-a", "lab-d"), patients=200, seed=1)
    return folder


@pytest.fixture(scope="module")
def lab_a(labs):
    report = scan([labs / "lab-a.csv"])
    return report, draft_mandate(str(labs / "lab-a.csv"), scan_report=report, today=TODAY)


def fill(text: str, **values: str) -> str:
    """The draft with each TODO placeholder replaced by a real value, section by section."""
    values = {**PLACEHOLDERS, **values}
    section, out = "", []
    for line in text.splitlines():
        if line.startswith("["):
            section = line.split("]", 1)[0].strip("[")
        key = line.split(" =", 1)[0]
        field = f"{section}.{key}" if section else key
        if field in values and '"TODO' in line:
            line = re.sub(r'"TODO[^"]*"', json.dumps(values[field]), line)
        out.append(line)
    return "\n".join(out) + "\n"


def choose(text: str, column: str, treatment: str) -> str:
    """The draft with ``column``'s treatment changed from drop."""
    pattern = rf'^({re.escape(column)} = {{ treatment = )"drop"'
    changed, count = re.subn(pattern, rf'\1"{treatment}"', text, flags=re.MULTILINE)
    assert count == 1
    return changed


def test_every_column_is_listed_and_dropped_with_what_the_scan_found(labs, lab_a):
    report, text = lab_a
    (table,) = report.tables
    data = tomllib.loads(text)
    names = [column.name for column in table.columns]
    assert data["source"]["columns"] == names
    assert list(data["columns"]) == names
    truth = json.loads((labs / "labels.json").read_text())["tables"]["lab-a.csv"]["columns"]
    for column in table.columns:
        rule = data["columns"][column.name]
        inside = sorted(str(category) for category, n in column.embedded.items() if n)
        found = {"found_inside": inside} if inside else {}
        assert rule == {"treatment": "drop", "detected": str(column.category), **found}
        assert rule["detected"] == truth[column.name]["category"]
    assert data["source"]["location"] == str(labs / "lab-a.csv")
    assert "table" not in data["source"]
    assert data["staging"]["retention_days"] == 7
    assert data["mandate_id"] == "lab-a-20260310"
    assert data["validity"]["until"] - data["validity"]["from"] == timedelta(days=30)
    assert data["validity"]["from"].date() == TODAY


def test_each_column_is_explained_with_names_and_counts(lab_a):
    report, text = lab_a
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("COMMENT1 = "))
    assert lines[rule].startswith('COMMENT1 = { treatment = "drop", detected = "HEALTH_TEXT", ')
    comment = lines[rule - 1]
    assert comment.startswith("# HEALTH_TEXT · special · health data in text (cells): ")
    finding = next(c for c in report.tables[0].columns if c.name == "COMMENT1")
    for health, count in finding.health_categories.items():
        assert f"{health} {count:,}" in comment
    assert "identifiers inside the text: " in comment
    for category, count in finding.embedded.items():
        assert f"{category} {count:,}" in comment
    assert lines[lines.index('N_SS = { treatment = "drop", detected = "NIR" }') - 1] == (
        "# NIR · identifier"
    )
    assert lines[lines.index('MP = { treatment = "drop", detected = "PASSWORD" }') - 1] == (
        "# PASSWORD · credential"
    )
    assert "# [[rows]]" in text
    assert '# column = "DT_DERN_VISITE"' in text


def test_no_value_from_the_data_is_in_the_draft(labs, lab_a):
    _, text = lab_a
    frame = pl.read_csv(labs / "lab-a.csv", separator=";", encoding="cp1252", infer_schema=False)
    values = {v.strip() for column in frame.columns for v in frame[column].drop_nulls()}
    leaked = [v for v in values if len(v) >= 6 and v not in frame.columns and v in text]
    assert leaked == []


def test_the_draft_cannot_be_used_before_it_is_filled_in(lab_a):
    _, text = lab_a
    with pytest.raises(MandateError, match="TODO placeholder"):
        parse_mandate(text.encode("utf-8"))
    with pytest.raises(MandateError, match="moves no column"):
        parse_mandate(fill(text).encode("utf-8"))


@pytest.mark.parametrize("left", sorted(PLACEHOLDERS))
def test_every_placeholder_left_is_refused_by_name(lab_a, left):
    _, text = lab_a
    half = choose(fill(text, **{left: "TODO: still to do"}), "N_SS", "keep")
    with pytest.raises(MandateError) as caught:
        parse_mandate(half.encode("utf-8"), where="draft.toml")
    assert caught.value.where == f"draft.toml: {left}"


def test_filled_in_it_parses_follows_the_rules_and_matches_its_source(lab_a):
    report, text = lab_a
    filled = choose(fill(text), "N_SS", "pseudonymise:nir")
    filled = choose(filled, "MP", "rehash-password")
    filled = choose(filled, "COMMENT1", "redact-identifiers")
    mandate = parse_mandate(filled.encode("utf-8"))
    check_mandate(mandate)
    check_drift(mandate, report.tables[0])
    assert [rule.source for rule in mandate.moved] == ["N_SS", "COMMENT1", "MP"]
    assert mandate.rule("MP").treatment is Treatment.REHASH
    assert mandate.controller == Party("Laboratoire des Deux Rives", "750000001")
    assert mandate.retention == timedelta(days=7)
    assert mandate.rows == ()


def test_comments_carrying_identifiers_kept_as_is_are_refused_at_signing_as_at_migration(lab_a):
    """The draft records which identifiers the scan found inside each text column, so that
    what the drift guard would refuse at migration is refused when it is signed, in its words."""
    report, text = lab_a
    mandate = parse_mandate(choose(fill(text), "COMMENT1", "keep").encode("utf-8"))
    assert mandate.rule("COMMENT1").found_inside == ("EMAIL", "IBAN", "NIR", "PHONE")
    with pytest.raises(MandateError) as signing:
        check_mandate(mandate)
    with pytest.raises(DriftError) as migrating:
        check_drift(mandate, report.tables[0])
    assert migrating.value.column == "COMMENT1"
    assert signing.value.message == migrating.value.reason
    assert signing.value.hint == migrating.value.hint
    assert signing.value.message == (
        "its text holds identifiers (EMAIL, IBAN, NIR, PHONE) and the mandate would move it as "
        "is (keep)"
    )


def test_controller_and_processor_can_be_given(labs, lab_a):
    report, _ = lab_a
    text = draft_mandate(
        "ignored",
        scan_report=report,
        controller=Party("Laboratoire A", "750000001"),
        processor=Party("Vendor", "690000003"),
        today=TODAY,
    )
    data = tomllib.loads(text)
    assert data["controller"] == {"name": "Laboratoire A", "finess": "750000001"}
    assert data["processor"] == {"name": "Vendor", "finess": "690000003"}


def test_names_with_spaces_accents_and_quotes_are_quoted_keys(labs):
    text = draft_mandate(str(labs / "lab-d.csv"), today=TODAY)
    data = tomllib.loads(text)
    assert data["columns"]["Numéro de sécurité sociale"]["detected"] == "NIR"
    assert '"Numéro de sécurité sociale" = { treatment = "drop"' in text
    assert "\nSexe = {" in text
    assert set(data["columns"]) == set(data["source"]["columns"])
    assert data["mandate_id"] == "lab-d-20260310"


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(
        st.text(st.characters(codec="utf-8"), max_size=12), min_size=1, max_size=6, unique=True
    )
)
def test_any_column_name_round_trips(names):
    columns = [ColumnFinding(name, Category.OTHER, 1.0) for name in names]
    report = ScanReport([TableScan("x.csv", "csv", 1, columns)])
    data = tomllib.loads(draft_mandate("x.csv", scan_report=report, today=TODAY))
    assert data["source"]["columns"] == names
    assert list(data["columns"]) == names


def test_a_source_of_several_tables_needs_table(labs):
    report = ScanReport(
        [TableScan(str(labs / name), "csv", 1, []) for name in ("lab-a.csv", "lab-d.csv")]
    )
    with pytest.raises(MandateError, match="holds 2 tables") as caught:
        draft_mandate(str(labs), scan_report=report)
    assert "--table" in caught.value.hint
    assert "lab-a.csv, lab-d.csv" in caught.value.hint
    with pytest.raises(MandateError, match="no table of that name"):
        draft_mandate(str(labs), scan_report=report, table="lab-z.csv")
    with pytest.raises(MandateError, match="no column"):
        draft_mandate(str(labs), scan_report=report, table="lab-d.csv")


def test_a_database_table_is_named_apart_from_its_location(tmp_path):
    path = tmp_path / "lab.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute('CREATE TABLE patients ("n ss" TEXT, nom TEXT)')
        connection.execute("INSERT INTO patients VALUES ('185057800608491', 'x')")
    connection.close()
    text = draft_mandate(f"sqlite:///{path}", today=TODAY)
    data = tomllib.loads(text)
    assert data["source"] == {
        "location": f"sqlite:///{path}",
        "table": "patients",
        "columns": ["n ss", "nom"],
    }
    assert data["mandate_id"] == "patients-20260310"


def test_a_source_url_holding_a_password_is_refused_without_repeating_it():
    columns = [ColumnFinding("nom", Category.PERSON_NAME, 1.0)]
    report = ScanReport([TableScan("postgresql://lab@db/lims#patients", "postgresql", 1, columns)])
    with pytest.raises(MandateError) as caught:
        draft_mandate("postgresql://lab:s3cret@db/lims", scan_report=report, today=TODAY)
    assert caught.value.where == "SOURCE"
    assert "s3cret" not in str(caught.value)
    assert "PGPASSWORD" in caught.value.hint
    assert "sceau keys db-password set" in caught.value.hint
    text = draft_mandate("postgresql://lab@db/lims", scan_report=report, today=TODAY)
    assert tomllib.loads(text)["source"]["location"] == "postgresql://lab@db/lims"
