"""Every run records who it read in the trace index: its source's people (before anything is
pseudonymised) under one record named by the run's id, exactly once however the run was stopped
and resumed, the patient's identifiers only (never a practitioner's name), and ``sceau trace``
names the run. The source is a synthetic lab's export: these tests judge the run's mechanics;
the matching of transformed leaks is judged on the foreign exports in ``tests/trace``."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from tests.migrate.test_stop import _StopAfter
from tests.migrate.world import CHEAP, PASSWORD, World, cli_world, make_world

from sceau.accounts import login
from sceau.cli import main
from sceau.migrate import phases, pipeline
from sceau.migrate.errors import MigrationError, StoppedOnRequest
from sceau.migrate.pipeline import migrate
from sceau.migrate.state import RunState
from sceau.trace.identity import IdentityColumns
from sceau.trace.index import Record, TraceIndex
from sceau.trace.key import trace_key
from sceau.trace.leak import trace_leak
from sceau.trace.record import batch_prints

PATIENT = IdentityColumns(
    nirs=("N_SS",),
    names=("NOM_PAT", "PRENOM_PAT"),
    birth_date="DDN",
    emails=("MAIL_PAT",),
    phones=("TEL1",),
)


def _index(world: World) -> TraceIndex:
    return TraceIndex(world.engine, world.settings.home / "trace")


def _secret(world: World) -> bytes:
    return trace_key(world.provider, world.engine, world.events, actor="test")


def _runs_records(world: World) -> list[Record]:
    return [r for r in _index(world).records().values() if r.kind == "run"]


def _recorded_events(world: World, run_id: str) -> list[object]:
    return [e for e in world.events.read() if e.name == "trace.recorded" and e.get("ref") == run_id]


def _distinct(prints: pl.DataFrame) -> int:
    return pl.concat([prints[c].drop_nulls() for c in prints.columns]).n_unique()


def test_a_run_records_its_sources_people_and_a_slice_is_traced_to_it(tmp_path: Path) -> None:
    world = make_world(tmp_path / "home", patients=400)
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    outcome = migrate(world.session(), mandate)

    (record,) = _runs_records(world)
    assert record.ref == outcome.run_id
    assert record.source == outcome.source
    assert record.finess == "130000011"
    assert record.mandate_sha256 == outcome.verified.sha256
    assert record.recorded_by == "op.durand"
    assert record.rows == world.synth.frame.height  # every row read, in the scope or not
    (event,) = _recorded_events(world, outcome.run_id)
    assert event.get("record_id") == record.record_id  # type: ignore[attr-defined]
    assert event.get("fingerprints") == record.fingerprints  # type: ignore[attr-defined]

    leak = tmp_path / "turned-up.csv"
    world.synth.frame.sample(60, seed=5, shuffle=True).write_csv(leak, separator=";")
    report = trace_leak([str(leak)], _index(world), _secret(world)).to_dict()
    (source,) = report["sources"]
    assert (source["kind"], source["ref"]) == ("run", outcome.run_id)
    assert report["summary"]["matched_rows"] == 60
    # the staging, fingerprints included, was shredded with the run; the index holds arrays only
    assert not (world.settings.staging_root / outcome.run_id).exists()
    assert {p.suffix for p in (world.settings.home / "trace").iterdir()} == {".npz"}


def test_a_run_stopped_mid_extraction_and_resumed_records_each_person_once(
    tmp_path: Path,
) -> None:
    straight = make_world(tmp_path / "straight", patients=600, batch_rows=50)
    migrate(
        straight.session(),
        straight.signed_mandate(destination=f"sqlite:///{tmp_path / 'straight.db'}"),
    )
    (whole,) = _runs_records(straight)

    world = make_world(tmp_path / "stopped", patients=600, batch_rows=50)
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'stopped.db'}")
    session = world.session()
    session.progress = _StopAfter(session, "extract", 200)
    with pytest.raises(StoppedOnRequest) as stopped:
        migrate(session, mandate)
    run_id = stopped.value.run_id
    assert run_id is not None
    assert _runs_records(world) == []  # the record is made when extraction ends
    staging = world.settings.staging_root / run_id
    kept = sorted(p.name for p in staging.glob("prints-*.sealed"))
    assert kept  # one file of fingerprints per checkpointed batch, sealed like the batch
    assert len(kept) == len(list(staging.glob("batch-*.sealed")))
    assert all(b"name_birth" not in (staging / name).read_bytes() for name in kept)

    migrate(world.session(), mandate, resume=run_id)
    (record,) = _runs_records(world)
    assert record.ref == run_id
    assert (record.rows, record.fingerprints) == (whole.rows, whole.fingerprints)
    assert len(_recorded_events(world, run_id)) == 1


def test_a_practitioners_name_never_enters_a_patients_key(tmp_path: Path) -> None:
    world = make_world(tmp_path / "home", patients=300)
    assert {"NOM_MED", "TEL_MED", "MAIL_MED", "NOM_PREL"} <= set(world.synth.frame.columns)
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    migrate(world.session(), mandate)
    (record,) = _runs_records(world)
    index, secret, source = _index(world), _secret(world), world.synth.frame

    patients = batch_prints(source, PATIENT, secret)
    assert record.fingerprints == _distinct(patients)  # the patient's identifiers, nothing else
    assert index.lookup(patients).height > 0
    mixed = IdentityColumns(
        names=("NOM_PAT", "NOM_MED"), birth_date="DDN", phones=("TEL_MED",), emails=("MAIL_MED",)
    )
    assert index.lookup(batch_prints(source, mixed, secret)).height == 0


def test_sceau_trace_names_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    world = cli_world(tmp_path / "home", monkeypatch, patients=300)
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    outcome = migrate(world.session(), mandate)
    leak = tmp_path / "forum-dump.csv"
    world.synth.frame.sample(60, seed=9, shuffle=True).select("N_SS", "NOM_PAT").write_csv(leak)
    login(world.settings, world.engine, world.events, "dr.martin", PASSWORD, params=CHEAP)

    result = CliRunner().invoke(main, ["trace", str(leak), "--json", str(tmp_path / "t.json")])
    assert result.exit_code == 0, result.output
    assert f"(run {outcome.run_id})" in result.output
    assert "60 belong to people of 1 recorded reading(s)" in result.output
    (source,) = json.loads((tmp_path / "t.json").read_text())["sources"]
    assert (source["kind"], source["ref"], source["finess"]) == (
        "run",
        outcome.run_id,
        "130000011",
    )


def test_a_run_cut_off_just_after_its_record_does_not_record_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(tmp_path / "home", patients=300)
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    move = phases.move

    def cut_off(session: object, outcome: object, state: RunState, **values: object) -> None:
        if state is RunState.LOADING:  # the machine stopped between the record and loading
            raise MigrationError("the machine stopped", hint="resume the run", where="test")
        move(session, outcome, state, **values)  # type: ignore[arg-type]

    monkeypatch.setattr(phases, "move", cut_off)
    with pytest.raises(MigrationError, match="the machine stopped"):
        migrate(world.session(), mandate)
    (record,) = _runs_records(world)
    monkeypatch.setattr(phases, "move", move)

    outcome = migrate(world.session(), mandate, resume=record.ref)
    assert outcome.status is RunState.SHREDDED
    assert _runs_records(world) == [record]
    assert len(_recorded_events(world, record.ref)) == 1


def test_a_run_on_several_cores_records_every_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "PARALLEL_FROM_ROWS", 0)
    monkeypatch.setattr(pipeline.os, "cpu_count", lambda: 2)
    world = make_world(tmp_path / "home", patients=300, batch_rows=40)
    migrate(world.session(), world.signed_mandate(destination=f"sqlite:///{tmp_path / 'l.db'}"))
    (record,) = _runs_records(world)
    expected = batch_prints(world.synth.frame, PATIENT, _secret(world))
    assert (record.rows, record.fingerprints) == (world.synth.frame.height, _distinct(expected))
