"""``sceau trace`` as an incident responder meets it: the answer in plain words, the JSON and
HTML reports, the audit event; never a value of the leaked file on the screen or in a report."""

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
def leaked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, pl.DataFrame]:
    """An operator scanned a lab's export; 60 of its rows turn up, reformatted."""
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCEAU_KEYRING_PASSPHRASE", "a keyring passphrase for the trace tests")
    monkeypatch.setenv("COLUMNS", "200")
    generate(tmp_path / "lab", patients=200, seed=33)
    export = tmp_path / "lab" / "medilis_patients.csv"
    log_in_as("op.durand", Role.OPERATOR)
    scanned = CliRunner().invoke(main, ["scan", str(export)])
    assert scanned.exit_code == 0, scanned.output
    frame = pl.read_csv(export, separator=",", infer_schema=False).sample(60, seed=1, shuffle=True)
    leak = tmp_path / "forum-dump.csv"
    leak.write_bytes(
        frame.select(
            pl.col("socialSecurityNumber").alias("secu"),
            pl.col("lastName").str.to_uppercase().alias("nom"),
        )
        .write_csv(separator=";")
        .encode("cp1252", errors="replace")
    )
    return leak, frame


def test_the_responder_traces_a_leak_to_the_scan_it_came_from(leaked, tmp_path):
    leak, frame = leaked
    log_in_as("dr.martin", Role.CONTROLLER)
    result = CliRunner().invoke(
        main,
        [
            "trace",
            str(leak),
            "--json",
            str(tmp_path / "t.json"),
            "--html",
            str(tmp_path / "t.html"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "60 rows read in 1 table(s); 60 belong to people of 1 recorded reading(s)" in result.output
    )
    assert "medilis_patients.csv" in result.output
    assert "Whom it concerns: 60 distinct people (told apart by NIR)." in result.output
    assert "60 with a national identifier" in result.output
    report = json.loads((tmp_path / "t.json").read_text())
    jsonschema.validate(report, closed_schema("trace"))
    (source,) = report["sources"]
    assert source["kind"] == "scan"
    assert source["recorded_by"] == "op.durand"
    assert report["tables"][0]["sources"][0]["by_identifier"] == {"nir": 60}
    html = (tmp_path / "t.html").read_text()
    assert "Trace of a file that turned up" in html
    assert "Whom it concerns" in html
    assert report["impact"]["people"] == 60
    for value in frame["socialSecurityNumber"].to_list()[:5] + frame["lastName"].to_list()[:5]:
        assert value not in result.output
        assert value not in html
        assert value not in (tmp_path / "t.json").read_text()
    settings = load_settings()
    log = AuditLog.from_settings(settings, open_store(settings.store))
    (traced,) = [e for e in log.read() if e.name == "trace.traced"]
    assert traced.actor == "dr.martin"
    assert traced.get("matched_rows") == 60
    assert traced.get("records") == [source["record"]]


def test_an_operator_may_not_probe_the_index(leaked):
    leak, _ = leaked
    result = CliRunner().invoke(main, ["trace", str(leak)])  # op.durand is logged in
    assert result.exit_code == 2
    assert "operator" in result.output
