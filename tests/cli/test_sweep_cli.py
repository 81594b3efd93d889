"""``sceau sweep`` as an operator meets it: the stray copies in plain words, the JSON and HTML
reports, an audit event per find; never a value of a file on the screen or in a report."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import polars as pl
import pytest
from click.testing import CliRunner
from tests.cli.test_scan_cli import log_in_as
from tests.foreign.generator import generate
from tests.schemas import closed_schema

from sceau.accounts import Role
from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.config import load_settings
from sceau.store import open_store


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, pl.DataFrame]:
    """An operator scanned a lab's export; 40 of its rows lie forgotten on a shared folder."""
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCEAU_KEYRING_PASSPHRASE", "a keyring passphrase for the sweep tests")
    monkeypatch.setenv("COLUMNS", "200")
    generate(tmp_path / "lab", patients=150, seed=41)
    export = tmp_path / "lab" / "medilis_patients.csv"
    log_in_as("op.durand", Role.OPERATOR)
    scanned = CliRunner().invoke(main, ["scan", str(export)])
    assert scanned.exit_code == 0, scanned.output
    frame = pl.read_csv(export, infer_schema=False).head(40)
    folder = tmp_path / "partage"
    folder.mkdir()
    (folder / "extraction.csv").write_text(frame.write_csv())
    (folder / "menu.csv").write_text("plat;prix\nsoupe;4\n")
    return folder, frame


def test_the_operator_sweeps_a_shared_folder_and_finds_the_stray_copy(shared, tmp_path):
    folder, frame = shared
    reports = ["--json", str(tmp_path / "s.json"), "--html", str(tmp_path / "s.html")]
    result = CliRunner().invoke(main, ["sweep", str(folder), *reports])
    assert result.exit_code == 0, result.output
    assert "2 file(s) traced; 1 stray copy of patient data found" in result.output
    assert f"STRAY {folder / 'extraction.csv'}" in result.output
    assert "40 of its 40 rows belong to people of reading(s) #1" in result.output
    report = json.loads((tmp_path / "s.json").read_text())
    jsonschema.validate(report, closed_schema("sweep"))
    (find,) = report["finds"]
    assert find["age_days"] == 0
    assert report["readings"][0]["recorded_by"] == "op.durand"
    assert report["skipped"] == [
        {"location": str(folder / "menu.csv"), "reason": "no identifier of a patient in it"}
    ]
    html = (tmp_path / "s.html").read_text()
    assert "Sweep for stray copies of patient data" in html
    for value in frame["socialSecurityNumber"].to_list()[:5] + frame["lastName"].to_list()[:5]:
        assert value not in result.output
        assert value not in html
        assert value not in (tmp_path / "s.json").read_text()
    settings = load_settings()
    log = AuditLog.from_settings(settings, open_store(settings.store))
    (found,) = [e for e in log.read() if e.name == "trace.stray_found"]
    assert found.actor == "op.durand"
    assert (found.get("path"), found.get("matched_rows")) == (find["path"], 40)
    (swept,) = [e for e in log.read() if e.name == "trace.swept"]
    assert (swept.get("files"), swept.get("finds"), swept.get("skipped")) == (2, 1, 1)


def test_a_french_report_and_an_auditor_refused(shared, tmp_path):
    folder, _ = shared
    result = CliRunner().invoke(
        main, ["sweep", str(folder), "--html", str(tmp_path / "s.html"), "--lang", "fr"]
    )
    assert result.exit_code == 0, result.output
    assert "Recherche de copies égarées" in (tmp_path / "s.html").read_text()
    log_in_as("a.bernard", Role.AUDITOR)
    refused = CliRunner().invoke(main, ["sweep", str(folder)])
    assert refused.exit_code == 2
    assert "auditor" in refused.output
