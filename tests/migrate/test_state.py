"""The run's state machine: every pair of states, in the table and through the store."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from sceau.alerts.metrics import RUN_STATUSES
from sceau.migrate import runs
from sceau.migrate.state import MOVES, IllegalMove, RunState, check_move
from sceau.store import open_store

PAIRS = list(itertools.product(RunState, RunState))


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_of_states_is_allowed_exactly_when_the_table_says(old, new, tmp_path: Path):
    engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    runs.create_run(engine, _record("r1", old))
    if new in MOVES[old]:
        check_move("r1", old, new)
        runs.move(engine, "r1", old, new)
        assert _state(engine) is new
    else:
        with pytest.raises(IllegalMove, match=f"cannot go from {old} to {new}"):
            check_move("r1", old, new)
        with pytest.raises(IllegalMove):
            runs.move(engine, "r1", old, new)
        assert _state(engine) is old  # nothing written


def test_a_move_from_a_state_the_store_no_longer_holds_is_refused(tmp_path: Path):
    engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    runs.create_run(engine, _record("r1", RunState.LOADING))
    runs.move(engine, "r1", RunState.LOADING, RunState.STOPPED)  # another process stopped it
    with pytest.raises(IllegalMove, match="cannot go from stopped to verifying"):
        runs.move(engine, "r1", RunState.LOADING, RunState.VERIFYING)
    assert _state(engine) is RunState.STOPPED


def test_the_machine_ends_only_in_shredded_or_abandoned_and_every_state_can_end():
    ends = {state for state in RunState if not MOVES[state]}
    assert ends == {RunState.SHREDDED, RunState.ABANDONED}
    for state in RunState:  # from anywhere, the staging can be shredded (retention)
        reach, frontier = {state}, {state}
        while frontier:
            frontier = {n for s in frontier for n in MOVES[s]} - reach
            reach |= frontier
        assert reach & ends


def test_the_stored_strings_are_the_ones_older_state_databases_hold():
    older = ["staging", "loading", "verifying", "verified", "shredded", "failed"]
    assert [state.value for state in RunState][: len(older)] == older
    assert tuple(state.value for state in RunState) == RUN_STATUSES
    schema = json.loads(
        resources.files("sceau.reports").joinpath("schemas/migration.schema.json").read_text()
    )
    assert schema["properties"]["status"]["enum"] == [state.value for state in RunState]


def test_a_stored_summary_keeps_its_entries_when_a_move_adds_one(tmp_path: Path):
    engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    runs.create_run(engine, _record("r1", RunState.LOADING))
    runs.note(engine, "r1", timings={"load": 1.5})
    runs.move(
        engine, "r1", RunState.LOADING, RunState.STOPPED, summary={"stopped_while": "loading"}
    )
    (record,) = runs.list_runs(engine)
    assert record.summary == {"timings": {"load": 1.5}, "stopped_while": "loading"}
    assert record.stopped_while is RunState.LOADING
    assert runs.unfinished_runs(engine, "0" * 64) == [record]


def _record(run_id: str, state: RunState) -> runs.RunRecord:
    now = datetime.now(UTC)
    return runs.RunRecord(
        run_id=run_id,
        mandate_sha256="0" * 64,
        actor="op.durand",
        state=state,
        source="/exports/lab-a.csv",
        destination="sqlite:///lis.db",
        key_id=f"sceau-run-{run_id}",
        key_provider="local",
        staging_path="/staging/" + run_id,
        started_at=now,
        retention_until=now + timedelta(days=7),
    )


def _state(engine) -> RunState:
    (record,) = runs.list_runs(engine)
    return record.state
