"""The controller overrules the scanner, and a scanner's disagreement is never an accusation.

Lab A's portal password column (``MP``) is what the scan reads as PASSWORD. The controller who
states, with a reason, that it holds logins has it kept: the run goes through with no alert.
Without the override the run is refused as a decision for the controller (``run.scan_disagreed``,
a low alert naming nobody); a column added to the source is still a drift (``beyond-mandate``).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import polars as pl
import pytest
from sqlalchemy import select
from tests.migrate.world import LAB_A_RULES, World, make_world
from tests.schemas import closed_schema

from sceau.alerts.model import Severity
from sceau.alerts.policy import load_policy
from sceau.alerts.supervisor import Supervisor
from sceau.mandate.policy import ScanDisagreement, SourceChanged
from sceau.migrate.certificate import verify_certificate
from sceau.migrate.pipeline import migrate
from sceau.migrate.report import MigrationReport
from sceau.store.schema import runs

REASON = "portal logins made of the name and birth date; no password in this column"
LOGIN = {"detected": "PASSWORD", "category": "LOGIN", "reason": REASON}


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "home", patients=300)


def _findings(world: World) -> dict[str, list]:
    """What supervision makes of the trail so far, for the two rules that judge refusals."""
    supervisor = Supervisor(world.engine, world.events, load_policy({}), {})
    found, _, _ = supervisor.evaluate(datetime.now(UTC))
    return {
        rule: [finding for finding in found if finding.rule == rule]
        for rule in ("beyond-mandate", "scan-disagreed")
    }


def test_a_column_kept_as_overridden_migrates_with_no_alert(world: World, tmp_path: Path):
    target = tmp_path / "lis.db"
    rules = dict(LAB_A_RULES, MP="keep")
    mandate = world.signed_mandate(
        destination=f"sqlite:///{target}", rules=rules, notes={"MP": LOGIN}
    )
    steps: list[str] = []

    class Steps:
        def step(self, text: str) -> None:
            steps.append(text)

        def phase(self, name: str, total_rows: int | None, about: str = "") -> None: ...
        def rows(self, count: int) -> None: ...
        def phase_done(self) -> None: ...

    outcome = migrate(world.session(progress=Steps()), mandate)

    assert outcome.status == "shredded"
    with sqlite3.connect(target) as connection:
        kept = {row[0] for row in connection.execute('SELECT "MP" FROM "patients"')}
    assert kept <= set(world.synth.frame["MP"].to_list())  # moved as the controller decided
    assert any("Column MP moves as LOGIN, as the controller signed" in s for s in steps)
    names = world.events.names()
    assert "run.scan_disagreed" not in names
    assert "run.drift_refused" not in names
    assert _findings(world) == {"beyond-mandate": [], "scan-disagreed": []}

    report = MigrationReport(outcome).to_dict()
    jsonschema.validate(report, closed_schema("migration"))
    moved = {column["source"]: column for column in report["columns_moved"]}
    assert moved["MP"]["detected"] == "PASSWORD"
    assert moved["MP"]["override"] == {"category": "LOGIN", "reason": REASON}
    assert moved["NUM_DOSSIER"]["override"] is None
    certificate = outcome.certificate
    assert certificate is not None
    data = json.loads(json.dumps(certificate.to_dict()))
    jsonschema.validate(data, closed_schema("certificate"))
    verify_certificate(data)
    assert data["mandate"]["overrides"] == [
        {"source": "MP", "detected": "PASSWORD", "category": "LOGIN", "reason": REASON}
    ]


def test_without_the_override_the_refusal_is_a_decision_for_the_controller(
    world: World, tmp_path: Path
):
    rules = dict(LAB_A_RULES, MP="keep")
    mandate = world.signed_mandate(
        destination=f"sqlite:///{tmp_path / 'lis.db'}",
        rules=rules,
        notes={"MP": {"detected": "LOGIN"}},
    )
    with pytest.raises(ScanDisagreement) as refused:
        migrate(world.session(), mandate)
    error = refused.value
    assert (error.column, error.scanned, error.signed) == ("MP", "PASSWORD", "LOGIN")
    assert error.reason == (
        "the scan reads it as PASSWORD where the mandate notes LOGIN, and its treatment is keep; "
        "passwords may only be dropped or re-hashed"
    )
    assert 'detected = "PASSWORD", category = "LOGIN", reason = "…"' in error.hint
    assert "op.durand" not in str(error)
    names = world.events.names()
    assert "run.scan_disagreed" in names
    assert "run.drift_refused" not in names
    with world.engine.connect() as connection:
        assert connection.execute(select(runs)).first() is None  # refused before a run started
    found = _findings(world)
    assert found["beyond-mandate"] == []
    (decision,) = found["scan-disagreed"]
    assert decision.severity is Severity.LOW
    assert "op.durand" not in repr(decision)
    assert "the scan reads column MP as PASSWORD where the mandate notes LOGIN" in decision.summary


def test_an_override_does_not_cover_a_real_change_of_what_the_column_holds(
    world: World, tmp_path: Path
):
    rules = dict(LAB_A_RULES, MP="keep")
    mandate = world.signed_mandate(
        destination=f"sqlite:///{tmp_path / 'lis.db'}", rules=rules, notes={"MP": LOGIN}
    )
    frame = world.synth.frame.with_columns(pl.col("N_SS").str.replace_all(" ", "").alias("MP"))
    frame.write_csv(world.source, separator=";")  # the column now holds NIRs
    with pytest.raises(ScanDisagreement) as refused:
        migrate(world.session(), mandate)
    assert refused.value.column == "MP"
    assert refused.value.scanned == "NIR"
    assert "more sensitive" not in refused.value.reason  # said with both readings instead
    assert "where the mandate notes LOGIN" in refused.value.reason
    assert not (tmp_path / "lis.db").exists()


def test_a_column_added_to_the_source_is_still_a_drift_and_a_high_alert(
    world: World, tmp_path: Path
):
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    frame = world.synth.frame.with_columns(pl.lit("x").alias("EXTRA"))
    frame.write_csv(world.source, separator=";")
    with pytest.raises(SourceChanged):
        migrate(world.session(), mandate)
    assert "run.drift_refused" in world.events.names()
    found = _findings(world)
    assert found["scan-disagreed"] == []
    (drift,) = found["beyond-mandate"]
    assert drift.severity is Severity.HIGH
    assert "added or gone" in drift.summary
