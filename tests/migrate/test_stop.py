"""Clean stops: a run asked to stop ends after a batch's checkpoint, ``stopped`` and
resumable; a new run of its mandate is refused until it is resumed or abandoned; resumed, it
loads every row exactly once. The real command is stopped with SIGTERM and with Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from tests.migrate.test_sigkill import POSTGRES, _assert_loaded_once, _run_state
from tests.migrate.world import PASSWORD, World, make_world

from sceau.accounts import login
from sceau.migrate import runs
from sceau.migrate.errors import MigrationError, StoppedOnRequest
from sceau.migrate.pipeline import migrate
from sceau.migrate.session import MigrationSession
from sceau.migrate.state import RunState
from sceau.store.schema import checkpoints


class _StopAfter:
    """Asks the run to stop once ``rows`` rows of ``phase`` went through."""

    def __init__(self, session: MigrationSession, phase: str, rows: int) -> None:
        self.session, self.wanted, self.rows_left = session, phase, rows
        self.current = ""

    def step(self, text: str) -> None:
        pass

    def phase(self, name: str, total_rows: int | None, about: str = "") -> None:
        self.current = name

    def rows(self, count: int) -> None:
        if self.current == self.wanted:
            self.rows_left -= count
            if self.rows_left <= 0:
                self.session.stop.request()

    def phase_done(self) -> None:
        pass


@pytest.mark.parametrize("phase", ["extract", "load", "verify"])
def test_a_stop_request_leaves_a_stopped_run_that_resumes_to_every_row_once(
    tmp_path: Path, phase: str
) -> None:
    world = make_world(tmp_path / "home", patients=600, batch_rows=50)
    target = tmp_path / "lis.db"
    mandate = world.signed_mandate(destination=f"sqlite:///{target}")
    session = world.session()
    session.progress = _StopAfter(session, phase, 1)
    with pytest.raises(StoppedOnRequest) as stopped:
        migrate(session, mandate)
    run_id = stopped.value.run_id
    assert run_id is not None
    assert f"--resume {run_id}" in stopped.value.message
    assert f"sceau runs abandon {run_id}" in stopped.value.message
    record = runs.find_run(world.engine, run_id)
    assert record is not None
    assert record.state is RunState.STOPPED
    assert record.stopped_while is {"extract": RunState.STAGING, "load": RunState.LOADING}.get(
        phase, RunState.VERIFYING
    )
    assert "run.stopped" in world.events.names()  # an alert: staging is left behind
    with world.engine.connect() as connection:  # stopped right after a batch's checkpoint
        done = connection.execute(select(func.count()).select_from(checkpoints)).scalar_one()
    assert done >= 1

    with pytest.raises(MigrationError, match="already has a run that has not finished") as refused:
        migrate(world.session(), mandate)
    assert f"--resume {run_id}" in refused.value.hint
    assert f"sceau runs abandon {run_id}" in refused.value.hint

    outcome = migrate(world.session(), mandate, resume=run_id)
    assert outcome.status is RunState.SHREDDED
    ids = _ids(target)
    assert len(ids) == len(set(ids)) == outcome.staged.rows == outcome.loaded.rows > 0


def _ids(target: Path) -> list[str]:
    import sqlite3

    with sqlite3.connect(target) as connection:
        return [row[0] for row in connection.execute('SELECT "NUM_DOSSIER" FROM "patients"')]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_command_stops_cleanly_on_a_signal_and_resumes(tmp_path: Path, stop) -> None:
    home = tmp_path / "home"
    world = make_world(home, patients=3_000, seed=13, batch_rows=30)
    login(world.settings, world.engine, world.events, "op.durand", PASSWORD)
    env = dict(
        os.environ,
        SCEAU_HOME=str(home),
        SCEAU_KEYRING_PASSPHRASE=world.settings.keyring_passphrase,
        SCEAU_BATCH_ROWS="30",
    )
    table = f"stopped_{uuid.uuid4().hex[:10]}"
    mandate = world.signed_mandate(destination=POSTGRES, table=table)
    command = [sys.executable, "-m", "sceau", "migrate", str(mandate)]
    try:
        child = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        _wait_for_rows_loaded(world, child)
        child.send_signal(stop)
        out, err = child.communicate(timeout=120)
        assert child.returncode == 75, err[-2000:]
        run_id, state = _run_state(world, mandate)
        assert state == "stopped"
        assert f"stopped; resume with `sceau migrate {mandate} --resume {run_id}`" in err
        assert f"sceau runs abandon {run_id}" in err
        assert "Traceback" not in err + out

        resumed = subprocess.run(
            [*command, "--resume", str(run_id)], env=env, capture_output=True, text=True
        )
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        assert _run_state(world, mandate) == (run_id, "shredded")
        _assert_loaded_once(world, table, run_id)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'DROP TABLE IF EXISTS "{table}"')


def _wait_for_rows_loaded(world: World, child: subprocess.Popen) -> None:
    """Until the store shows a loaded batch: rows are being written into the target."""
    query = select(func.count()).select_from(checkpoints).where(checkpoints.c.phase == "loaded")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert child.poll() is None, "the run ended before it could be stopped"
        with world.engine.connect() as connection:
            if connection.execute(query).scalar_one():
                return
        time.sleep(0.01)
    pytest.fail("no batch was loaded in time")
