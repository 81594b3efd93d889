"""``sceau incident`` as the processor's operator and the lab's DPO meet it: opening from a
trace report, the clocks in local time and UTC, a late notification refused without its
reasons, and each clock recorded by the role the law gives it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.cli.test_scan_cli import log_in_as

from sceau.accounts import Role
from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.config import load_settings
from sceau.store import open_store

LAB_A, LAB_B = "130000011", "690000017"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh store, and this process in Paris time (as a French lab's computer is)."""
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield tmp_path
    monkeypatch.undo()
    time.tzset()


def sceau(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_the_operator_opens_from_a_trace_report_and_records_only_its_notice(home: Path) -> None:
    report = home / "trace.json"
    sources = [{"record": 1, "finess": LAB_A}, {"record": 2, "finess": LAB_B}]
    report.write_text(json.dumps({"report": "trace", "sources": sources}))
    log_in_as("op.durand", Role.OPERATOR)
    code, out = sceau(
        "incident", "open", "--title", "extract on a maintenance server",
        "--nature", "confidentiality", "--from-trace", str(report),
        "--aware-at", "2026-12-01T10:00",
    )  # fmt: skip
    assert code == 0, out
    assert (
        "Opened incident 1; its clocks run from 2026-12-01 10:00 CET (2026-12-01 09:00 UTC)" in out
    )
    assert f"lab {LAB_B}, cnil: due 2026-12-04 10:00 CET (2026-12-04 09:00 UTC), overdue" in out
    code, out = sceau("incident", "met", "1", "cnil", "--lab", LAB_A, "--reference", "R")
    assert code == 2
    assert "`incident.record` needs the controller or auditor role; op.durand is operator" in out
    code, out = sceau("incident", "met", "1", "notice", "--lab", LAB_A, "--reference", "mail 1")
    assert code == 2
    assert "reasons for the delay" in out
    code, out = sceau(
        "incident", "met", "1", "notice", "--lab", LAB_A, "--reference", "mail 1",
        "--reason", "the lab's contact was away",
    )  # fmt: skip
    assert code == 0, out
    assert "late" in out


def test_the_dpo_records_the_cnil_and_closes_the_incident(home: Path) -> None:
    log_in_as("dr.martin", Role.CONTROLLER)
    aware = datetime.now(UTC) - timedelta(hours=2)
    code, out = sceau(
        "incident", "open", "--title", "ransomware", "--nature", "availability",
        "--nature", "integrity", "--lab", LAB_A, "--aware-at", aware.isoformat(),
    )  # fmt: skip
    assert code == 0, out
    code, out = sceau("incident", "met", "1", "cnil", "--lab", LAB_A, "--reference", "CNIL-7")
    assert code == 0, out
    assert "met" in out
    code, out = sceau("incident", "show", "1")
    assert code == 0, out
    assert "nature: integrity, availability" in out
    assert "(CNIL-7)" in out
    code, out = sceau("incident", "close", "1", "--reason", "restored from backups; no leak")
    assert code == 0, out
    code, out = sceau("incident", "list")
    assert "1: ransomware (closed)" in out
    code, out = sceau("incident", "open", "--title", "x", "--nature", "loss", "--lab", LAB_A)
    assert (code, "unknown nature" in out) == (2, True)
    code, out = sceau("incident", "open", "--title", "x", "--nature", "integrity", "--lab", "12")
    assert (code, "FINESS" in out) == (2, True)
    settings = load_settings()
    names = AuditLog.from_settings(settings, open_store(settings.store)).names()
    assert [n for n in names if n.startswith("incident.")] == [
        "incident.opened",
        "incident.clock_met",
        "incident.closed",
    ]
