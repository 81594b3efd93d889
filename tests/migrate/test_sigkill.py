"""Exactly once under SIGKILL: a migration killed at random points, again and again, and resumed
each time, ends with every in-scope row in the target exactly once (count, ids and digest).

The run is the real command in a child process (``sceau migrate``), killed with SIGKILL — no
chance to clean up — at a random moment: during start-up, the drift scan, extraction, loading,
verification or shredding. The target is the real PostgreSQL server.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from tests.migrate.world import PASSWORD, make_world

from sceau.accounts import login
from sceau.migrate.verify import digest_batches
from sceau.store.schema import runs
from sceau.targets import TargetTable, open_target

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
KILLS = 52


@pytest.mark.slow
def test_sigkill_at_random_points_then_resume_loads_every_row_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    world = make_world(home, patients=1_200, seed=11, batch_rows=40)
    login(world.settings, world.engine, world.events, "op.durand", PASSWORD)
    env = dict(
        os.environ,
        SCEAU_HOME=str(home),
        SCEAU_KEYRING_PASSPHRASE=world.settings.keyring_passphrase,
        SCEAU_BATCH_ROWS="40",
    )
    randomness = random.Random(20211)
    kills, rounds, durations = 0, 0, [3.0]
    tables: list[str] = []
    try:
        while kills < KILLS:  # one migration after another, each killed until it completes
            rounds += 1
            table = f"killed_{uuid.uuid4().hex[:10]}"
            tables.append(table)
            mandate = world.signed_mandate(
                home / f"mandate-{rounds}.toml", destination=POSTGRES, table=table
            )
            command = [sys.executable, "-m", "sceau", "migrate", str(mandate)]
            while True:
                run_id, status = _run_state(world, mandate)
                if status == "shredded":
                    break
                resume = ["--resume", run_id] if run_id else []
                started = time.monotonic()
                child = subprocess.Popen(
                    command + resume, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                )
                # a random moment within a child's typical life, start-up included
                deadline = started + randomness.uniform(0.0, max(durations))
                while child.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.002)
                if child.poll() is None and kills < KILLS:
                    child.send_signal(signal.SIGKILL)
                    kills += 1
                _, errors = child.communicate(timeout=120)
                if child.returncode == 0:
                    durations.append(time.monotonic() - started)
                elif child.returncode != -signal.SIGKILL:
                    pytest.fail(f"the child failed: {errors.decode(errors='replace')[-2000:]}")
            _assert_loaded_once(world, table, run_id)
        assert kills >= 50
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            for table in tables:
                connection.execute(f'DROP TABLE IF EXISTS "{table}"')


def _run_state(world, mandate: Path) -> tuple[str | None, str | None]:
    digest = hashlib.sha256(mandate.read_bytes()).hexdigest()
    with world.engine.connect() as connection:
        row = connection.execute(
            select(runs.c.run_id, runs.c.status).where(runs.c.mandate_sha256 == digest)
        ).first()
    return (row[0], row[1]) if row else (None, None)


def _assert_loaded_once(world, table: str, run_id: str | None) -> None:
    expected = world.synth.frame
    visit = expected["DT_DERN_VISITE"].str.to_date("%d/%m/%Y", strict=False)
    in_scope = expected.filter((visit.dt.year() >= 2019) & (visit.dt.year() <= 2020))
    with psycopg.connect(POSTGRES) as connection:
        ids = [r[0] for r in connection.execute(f'SELECT "NUM_DOSSIER" FROM "{table}"')]
    assert len(ids) == len(set(ids)) == in_scope.height  # each row exactly once
    assert set(ids) == set(in_scope["NUM_DOSSIER"].to_list())
    # the digest of what the target holds is the one the certificate signed
    with world.engine.connect() as connection:
        summary = connection.execute(
            select(runs.c.summary).where(runs.c.run_id == run_id)
        ).scalar_one()
    certificate = summary["certificate"]
    target = open_target(POSTGRES, TargetTable(table, tuple(_columns(table))))
    try:
        found = digest_batches(target.read_rows())
    finally:
        target.close()
    assert found.rows == certificate["rows"]["loaded"] == in_scope.height
    assert found.hex == certificate["digests"]["loaded"] == certificate["digests"]["staged"]


def _columns(table: str) -> list[str]:
    with psycopg.connect(POSTGRES) as connection:
        rows = connection.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position",
            (table,),
        )
        return [r[0] for r in rows]
