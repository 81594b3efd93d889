"""No audit, no service: an audit store that refuses writes stops a migration, and cleanly.

The store is made to refuse inserts into ``audit_entries`` the way a full disk or a revoked
grant would, by a trigger on the real database: at once (the run must not start), or once the
run is under way (it must stop resumable, with no batch in the target that the trail does not
record). Then the trigger is dropped and ``--resume`` finishes the run, each batch loaded once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select
from tests.migrate.world import World, make_world
from tests.postgres import schema_url

from sceau.audit.verify import verify_log
from sceau.migrate.pipeline import migrate
from sceau.store import StoreError
from sceau.store.schema import checkpoints, runs
from sceau.targets._checks import CHECKPOINTS

REFUSE_ALL = (
    "CREATE TRIGGER disk_full BEFORE INSERT ON audit_entries "
    "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
)


def refuse_once(name: str, count: int) -> str:
    """A trigger refusing every insert once ``count`` events called ``name`` are in the log:
    the disk fills up at a known point of the run, whatever came before it."""
    return (
        "CREATE TRIGGER disk_full BEFORE INSERT ON audit_entries "
        f"WHEN (SELECT count(*) FROM audit_entries WHERE name = '{name}') >= {count} "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )


def state_sql(world: World, statement: str) -> None:
    """Run DDL on the state store behind sceau's back, as whoever administers it would."""
    with world.engine.begin() as connection:
        connection.exec_driver_sql(statement)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "home")


@pytest.fixture
def postgres_world(tmp_path: Path) -> Iterator[World]:
    """The world with its state store in a PostgreSQL schema of its own (dropped afterwards)."""
    with schema_url("sceau_fail") as url:
        made = make_world(tmp_path / "home", store_url=url)
        try:
            yield made
        finally:
            made.engine.dispose()


def target_rows(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as connection:
        found = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'patients'"
        ).fetchone()[0]
        return connection.execute('SELECT count(*) FROM "patients"').fetchone()[0] if found else 0


def target_batches(path: Path) -> dict[int, datetime]:
    """Batch → when the target committed it, from the target's own record of loaded batches."""
    if not path.exists():
        return {}
    with sqlite3.connect(path) as connection:
        rows = connection.execute(f'SELECT batch, at FROM "{CHECKPOINTS}"').fetchall()
    return {batch: datetime.fromisoformat(at.replace("Z", "+00:00")) for batch, at in rows}


def loaded_events(world: World, run_id: str) -> list[tuple[int, datetime]]:
    """(batch, time) of every run.batch_loaded event of the run, in the trail's order."""
    return [
        (event.get("batch"), event.at)
        for event in world.events.read(names=["run.batch_loaded"])
        if event.get("run_id") == run_id
    ]


def only_run(world: World) -> dict[str, object]:
    with world.engine.connect() as connection:
        return dict(connection.execute(select(runs)).mappings().one())


def in_scope(world: World) -> int:
    visit = pl.col("DT_DERN_VISITE").str.to_date("%d/%m/%Y", strict=False)
    scope = (visit >= pl.date(2019, 1, 1)) & (visit < pl.date(2021, 1, 1))
    return world.synth.frame.filter(scope).height


def staging_folders(world: World) -> list[Path]:
    root = world.settings.staging_root
    return [p for p in root.iterdir() if not p.name.startswith(".")] if root.exists() else []


def assert_every_loaded_batch_was_recorded_first(world: World, target: Path, run_id: str) -> None:
    events = loaded_events(world, run_id)
    batches = target_batches(target)
    assert sorted(batch for batch, _ in events) == sorted(batches), (
        "a batch reached the target without its run.batch_loaded event, or the reverse"
    )
    for batch, at in events:  # the target stamps to the millisecond
        assert (
            at.astimezone(UTC).replace(microsecond=at.microsecond // 1000 * 1000) <= batches[batch]
        )


def resume_to_the_end(world: World, mandate: Path, target: Path, run_id: str) -> None:
    state_sql(world, "DROP TRIGGER disk_full" + (" ON audit_entries" if _pg(world) else ""))
    outcome = migrate(world.session(), mandate, resume=run_id)
    assert outcome.status == "shredded"
    expected = in_scope(world)
    assert target_rows(target) == outcome.loaded.rows == expected > 0
    batches = [batch for batch, _ in loaded_events(world, run_id)]
    assert sorted(batches) == sorted(set(batches)) == sorted(target_batches(target))  # once
    assert "run.verified" in world.events.names()
    assert verify_log(world.events).intact


def _pg(world: World) -> bool:
    return world.engine.dialect.name == "postgresql"


# --- SQLite ---------------------------------------------------------------------------------


def test_an_unwritable_trail_refuses_to_start_a_run(world: World, tmp_path: Path) -> None:
    target = tmp_path / "lis.db"
    mandate = world.signed_mandate(destination=f"sqlite:///{target}")
    before = world.events.size()
    state_sql(world, REFUSE_ALL)

    with pytest.raises(StoreError) as refused:
        migrate(world.session(), mandate)

    assert "cannot record the event run.started in the audit trail" in refused.value.message
    assert "was not carried out" in refused.value.hint
    with world.engine.connect() as connection:
        assert connection.execute(select(runs)).first() is None
        assert connection.execute(select(checkpoints)).first() is None
    assert staging_folders(world) == []
    assert target_rows(target) == 0  # the destination check may create the table, empty
    assert target_batches(target) == {}
    assert world.events.size() == before
    assert verify_log(world.events).intact


def test_a_trail_that_fills_up_during_extraction_stops_the_run_resumable(
    world: World, tmp_path: Path
) -> None:
    target = tmp_path / "lis.db"
    mandate = world.signed_mandate(destination=f"sqlite:///{target}")
    state_sql(world, refuse_once("run.batch_staged", 2))

    with pytest.raises(StoreError, match=r"cannot record the event run\.batch_staged"):
        migrate(world.session(), mandate)

    run = only_run(world)
    assert run["status"] == "staging"
    assert world.events.names().count("run.batch_staged") == 2
    assert target_rows(target) == 0
    assert target_batches(target) == {}
    assert world.provider.exists(str(run["key_id"]))  # the run's key is kept for the resume
    assert verify_log(world.events).intact

    resume_to_the_end(world, mandate, target, str(run["run_id"]))


def test_a_trail_that_fills_up_during_loading_stops_before_the_next_batch(
    world: World, tmp_path: Path
) -> None:
    target = tmp_path / "lis.db"
    mandate = world.signed_mandate(destination=f"sqlite:///{target}")
    state_sql(world, refuse_once("run.batch_loaded", 2))

    with pytest.raises(StoreError, match=r"cannot record the event run\.batch_loaded"):
        migrate(world.session(), mandate)

    run = only_run(world)
    run_id = str(run["run_id"])
    assert run["status"] == "loading"
    assert [batch for batch, _ in loaded_events(world, run_id)] == [0, 1]
    assert_every_loaded_batch_was_recorded_first(world, target, run_id)
    assert 0 < target_rows(target) < in_scope(world)
    assert any(world.settings.staging_root.rglob("*.sealed"))  # kept, sealed, for the resume
    assert verify_log(world.events).intact

    resume_to_the_end(world, mandate, target, run_id)
    assert_every_loaded_batch_was_recorded_first(world, target, run_id)


# --- PostgreSQL -----------------------------------------------------------------------------


def test_on_postgresql_a_full_trail_stops_loading_and_resume_completes(
    postgres_world: World, tmp_path: Path
) -> None:
    world = postgres_world
    target = tmp_path / "lis.db"
    mandate = world.signed_mandate(destination=f"sqlite:///{target}")
    state_sql(
        world,
        "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF (SELECT count(*) FROM audit_entries WHERE name = 'run.batch_loaded') >= 2 THEN "
        "RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END IF; "
        "RETURN NEW; END $$",
    )
    state_sql(
        world,
        "CREATE TRIGGER disk_full BEFORE INSERT ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION disk_full()",
    )

    with pytest.raises(StoreError, match=r"cannot record the event run\.batch_loaded") as refused:
        migrate(world.session(), mandate)

    assert "could not extend file" not in str(refused.value)  # the server's text is not shown
    run = only_run(world)
    run_id = str(run["run_id"])
    assert run["status"] == "loading"
    assert [batch for batch, _ in loaded_events(world, run_id)] == [0, 1]
    assert_every_loaded_batch_was_recorded_first(world, target, run_id)
    assert verify_log(world.events).intact

    resume_to_the_end(world, mandate, target, run_id)
