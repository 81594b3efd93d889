"""``sceau runs list|show|abandon`` as an operator, a controller and an admin meet them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.migrate.test_stop import _StopAfter
from tests.migrate.world import CHEAP, PASSWORD, World, cli_world

from sceau.accounts import login
from sceau.cli import main
from sceau.migrate import runs
from sceau.migrate.certificate import verify_certificate
from sceau.migrate.errors import StoppedOnRequest
from sceau.migrate.pipeline import migrate
from sceau.migrate.state import RunState


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return cli_world(tmp_path / "home", monkeypatch)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _stopped_run(world: World, target: Path) -> tuple[Path, str]:
    mandate = world.signed_mandate(destination=f"sqlite:///{target}")
    session = world.session()
    session.progress = _StopAfter(session, "load", 1)
    with pytest.raises(StoppedOnRequest) as stopped:
        migrate(session, mandate)
    assert stopped.value.run_id is not None
    return mandate, stopped.value.run_id


def test_list_and_show_say_where_each_run_stands(world: World, tmp_path: Path):
    _, run_id = _stopped_run(world, tmp_path / "lis.db")
    login(world.settings, world.engine, world.events, "dr.martin", PASSWORD, params=CHEAP)
    listed = run("runs", "list")
    assert listed.exit_code == 0, listed.output
    assert run_id in listed.output
    assert "stopped while loading" in listed.output
    data = json.loads(run("runs", "list", "--json").output)
    (fact,) = data["runs"]
    assert fact["run_id"] == run_id
    assert fact["mandate_id"] == "lab-a-to-new-lis"
    assert fact["state"] == "stopped"
    assert fact["stopped_while"] == "loading"
    assert 0 < fact["rows"]["loaded"] <= fact["rows"]["staged"]
    shown = run("runs", "show", run_id)
    assert shown.exit_code == 0, shown.output
    assert "state: stopped while loading" in shown.output
    assert f"--resume {run_id}" in shown.output
    assert f"sceau runs abandon {run_id}" in shown.output
    detail = json.loads(run("runs", "show", run_id, "--json").output)
    phases = {c["phase"] for c in detail["checkpoints"]}
    assert phases == {"staged", "loaded"}
    assert (
        sum(c["rows"] for c in detail["checkpoints"] if c["phase"] == "loaded")
        == (fact["rows"]["loaded"])
    )
    missing = run("runs", "show", "no-such-run")
    assert missing.exit_code == 2
    assert "sceau runs list" in missing.output


def test_abandon_shreds_the_staging_and_certifies_the_run_abandoned(world: World, tmp_path: Path):
    mandate, run_id = _stopped_run(world, tmp_path / "lis.db")
    login(world.settings, world.engine, world.events, "op.durand", PASSWORD, params=CHEAP)
    reports = tmp_path / "reports"
    result = run("runs", "abandon", run_id, "--yes", "--reports", str(reports))
    assert result.exit_code == 0, result.output
    assert f"Run {run_id} abandoned" in result.output
    assert "stay in" in result.output  # the rows it had loaded: said, not hidden
    certificate = json.loads((reports / "certificate.json").read_text())
    verify_certificate(certificate)
    assert certificate["reason"] == "abandoned"
    assert certificate["key"]["destroyed"]
    assert certificate["staging"]["deleted"]
    assert (reports / "certificate.html").exists()
    record = runs.find_run(world.engine, run_id)
    assert record is not None
    assert record.state is RunState.ABANDONED
    assert not world.provider.exists(record.key_id)
    assert not any(world.settings.staging_root.rglob("*.sealed"))
    assert "run.abandoned" in world.events.names()
    shown = json.loads(run("runs", "show", run_id, "--json").output)
    assert shown["certificate"]["path"] == str(reports / "certificate.json")

    again = run("runs", "abandon", run_id, "--yes")
    assert again.exit_code == 2
    assert "abandoned" in again.output
    resumed = run("migrate", str(mandate), "--resume", run_id)
    assert resumed.exit_code == 2
    assert "cannot be resumed" in resumed.output


def test_a_completed_run_is_never_abandoned(world: World, tmp_path: Path):
    outcome = migrate(
        world.session(), world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    )
    login(world.settings, world.engine, world.events, "op.durand", PASSWORD, params=CHEAP)
    result = run("runs", "abandon", outcome.run_id, "--yes")
    assert result.exit_code == 2
    assert "only a stopped, failed or interrupted run can be abandoned" in result.output
    assert "run.abandoned" not in world.events.names()


def test_abandon_asks_first_and_needs_the_right_role(world: World, tmp_path: Path):
    _, run_id = _stopped_run(world, tmp_path / "lis.db")
    login(world.settings, world.engine, world.events, "op.durand", PASSWORD, params=CHEAP)
    declined = CliRunner().invoke(main, ["runs", "abandon", run_id], input="n\n")
    assert declined.exit_code != 0
    record = runs.find_run(world.engine, run_id)
    assert record is not None
    assert record.state is RunState.STOPPED  # nothing was changed
    login(world.settings, world.engine, world.events, "admin", PASSWORD, params=CHEAP)
    refused = run("runs", "abandon", run_id, "--yes")
    assert refused.exit_code == 2
    assert "controller" in refused.output
    assert run("runs", "list").exit_code == 0  # an admin may see where runs stand


def test_nobody_logged_in_sees_no_run(world: World):
    result = run("runs", "list")
    assert result.exit_code == 2
    assert "sceau login" in result.output
