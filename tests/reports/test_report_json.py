"""JSON: ``to_dict()`` as it is, round-tripping and valid against the shipped schema."""

from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.schemas import closed_schema

from sceau.detect.base import Category, ColumnFinding, Evidence, HealthCategory, Subject
from sceau.detect.freetext import SET_ASIDE
from sceau.detect.report import ScanReport, TableScan
from sceau.reports.base import ReportError
from sceau.reports.json import render_json, report_schema

from .conftest import STARTED, sample_report


def _validator() -> jsonschema.Draft202012Validator:
    schema = closed_schema("scan")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def test_json_round_trips(report):
    assert json.loads(render_json(report)) == report.to_dict()


def test_json_validates_against_the_scan_schema(report):
    _validator().validate(json.loads(render_json(report)))


@pytest.mark.parametrize("kind", ["scan", "migration", "certificate"])
def test_a_readers_schema_takes_the_fields_a_later_sceau_adds(kind):
    """docs/scan-report.md and docs/migration-report.md promise that new fields come without a
    new schema_version: the shipped schemas leave room for them, everywhere."""
    shipped, closed = report_schema(kind), closed_schema(kind)
    assert "additionalProperties" not in json.dumps(shipped).replace(
        '"additionalProperties": {', ""
    )  # no object is closed, only maps say what their values are
    assert json.dumps(closed).count('"additionalProperties": false') >= 8


def test_a_report_with_a_new_field_validates_for_a_reader(report):
    document = json.loads(render_json(report))
    document["later_field"] = {"anything": 1}
    document["sources"][0]["columns"][0]["later_field"] = "x"
    jsonschema.Draft202012Validator(report_schema("scan")).validate(document)
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(document)


def test_an_empty_scan_validates():
    _validator().validate(json.loads(render_json(ScanReport(tables=[], started_at=STARTED))))


def test_the_schema_rejects_an_unknown_field(report):
    data = report.to_dict()
    data["sources"][0]["columns"][0]["value"] = "1 85 05 78 006 084 36"
    with pytest.raises(jsonschema.ValidationError):
        _validator().validate(data)


def test_accents_are_written_as_they_are():
    report = sample_report()
    report.tables[0].columns[0].name = "N° sécurité sociale"
    assert "N° sécurité sociale" in render_json(report)


def test_an_unknown_schema_is_a_clear_error():
    with pytest.raises(ReportError, match="no JSON schema for audit reports") as caught:
        closed_schema("audit")
    assert "scan" in caught.value.hint


def test_a_value_json_cannot_hold_is_a_clear_error():
    report = sample_report()
    report.tables[0].columns[0].confidence = float("nan")
    with pytest.raises(ReportError, match="JSON cannot represent"):
        render_json(report)


_names = st.text(min_size=0, max_size=30)
_evidence = st.builds(
    Evidence,
    source=st.sampled_from(["header", "values", "distribution", "cardinality"]),
    detail=_names,
    weight=st.floats(-1, 1, allow_nan=False),
)
_columns = st.builds(
    ColumnFinding,
    name=_names,
    category=st.sampled_from(list(Category)),
    confidence=st.floats(0, 1, allow_nan=False),
    subject=st.sampled_from(Subject),
    rows=st.integers(0, 10**9),
    non_null=st.integers(0, 10**9),
    matches=st.integers(0, 10**9),
    health_categories=st.dictionaries(st.sampled_from(HealthCategory), st.integers(0, 10**6)),
    health_set_aside=st.dictionaries(st.sampled_from(SET_ASIDE), st.integers(0, 10**6)),
    embedded=st.dictionaries(st.sampled_from(list(Category)), st.integers(0, 10**6)),
    evidence=st.lists(_evidence, max_size=3),
    example=_names,
)
_tables = st.builds(
    TableScan,
    source=_names.filter(bool),
    kind=st.sampled_from(["csv", "parquet", "postgresql"]),
    rows=st.integers(0, 10**9),
    columns=st.lists(_columns, max_size=4),
    complete=st.booleans(),
    seconds=st.floats(0, 10**5, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(tables=st.lists(_tables, max_size=3))
def test_any_scan_round_trips_and_validates(tables):
    report = ScanReport(tables=tables, started_at=STARTED)
    data = json.loads(render_json(report))
    assert data == report.to_dict()
    _validator().validate(data)
