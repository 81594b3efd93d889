"""Every way of rewriting the trail is caught by ``verify_log``, at its exact position."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, select, text, update

from sceau.audit.checkpoint import Checkpoint, CheckpointError, read_exported
from sceau.audit.export import FilePublisher
from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog
from sceau.audit.verify import verify_log
from sceau.events import BatchStaged, LoginSucceeded
from sceau.store import StoreError, open_store
from sceau.store.schema import audit_checkpoints, audit_entries, audit_head

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = 40


def events(count: int, start: int = 0) -> list[BatchStaged]:
    return [
        BatchStaged(
            actor="op.durand",
            run_id="20261123-abc",
            batch=n,
            rows=65_536,
            refused_rows=n % 3,
            at=START + timedelta(seconds=n),
        )
        for n in range(start, start + count)
    ]


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield made
    made.dispose()


@pytest.fixture
def log(engine: Engine, tmp_path: Path) -> AuditLog:
    """40 entries, a checkpoint every 10, each exported to a file as it is signed."""
    made = AuditLog(
        engine,
        AuditKey.generate(),
        checkpoint_every=10,
        publisher=FilePublisher(tmp_path / "exported" / "checkpoints.jsonl"),
        clock=lambda: START,
    )
    for event in events(SIZE):
        made.record(event)
    return made


def exported(tmp_path: Path) -> list[Checkpoint]:
    return read_exported(tmp_path / "exported" / "checkpoints.jsonl")


def first(log: AuditLog, **kwargs) -> str:
    result = verify_log(log, **kwargs)
    assert not result.intact
    return str(result.first)


def sql(engine: Engine, statement, **params) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement) if isinstance(statement, str) else statement, params)


def test_an_untouched_trail_verifies(log: AuditLog, tmp_path: Path) -> None:
    result = verify_log(log, exported=exported(tmp_path))
    assert result.intact, result.problems
    assert result.size == SIZE
    assert [c.size for c in log.checkpoints()] == [1, 11, 21, 31]
    assert [c.number for c in exported(tmp_path)] == [1, 2, 3, 4]


@pytest.mark.parametrize("seq", [0, 17, SIZE - 1])
@pytest.mark.parametrize("offset", [0, 25, -2])
def test_any_changed_byte_is_named(log: AuditLog, engine: Engine, seq: int, offset: int) -> None:
    with engine.connect() as connection:
        entry = connection.execute(
            select(audit_entries.c.entry).where(audit_entries.c.seq == seq)
        ).scalar_one()
    changed = bytearray(entry)
    changed[offset] ^= 0x01
    sql(engine, update(audit_entries).where(audit_entries.c.seq == seq).values(entry=changed))
    assert first(log).startswith(f"entry {seq}: altered")


def test_a_changed_index_column_is_named(log: AuditLog, engine: Engine) -> None:
    """The time and name beside an entry are what rules query by: they are sealed too."""
    sql(engine, "UPDATE audit_entries SET name = 'auth.login' WHERE seq = 5")
    assert first(log).startswith("entry 5: altered")
    sql(engine, "UPDATE audit_entries SET name = 'run.batch_staged' WHERE seq = 5")
    sql(engine, "UPDATE audit_entries SET at_us = at_us + 3600000000 WHERE seq = 6")
    assert first(log).startswith("entry 6: altered")


def test_a_deleted_entry_is_named(log: AuditLog, engine: Engine) -> None:
    sql(engine, delete(audit_entries).where(audit_entries.c.seq == 12))
    assert first(log) == "entry 12: missing: 1 deleted here"


def test_an_inserted_entry_is_named(log: AuditLog, engine: Engine) -> None:
    """Room made by shifting the later entries: the newcomer's seal is not the key's."""
    sql(engine, "UPDATE audit_entries SET seq = seq + 1000 WHERE seq >= 20")
    sql(engine, "UPDATE audit_entries SET seq = seq - 999 WHERE seq >= 1000")
    forged = {"seq": 20, "at_us": 0, "name": "auth.login", "entry": b"{}", "seal": bytes(32)}
    sql(engine, insert(audit_entries).values(**forged))
    assert first(log).startswith("entry 20: altered")


def test_two_swapped_entries_are_named(log: AuditLog, engine: Engine) -> None:
    sql(engine, "UPDATE audit_entries SET seq = -1 WHERE seq = 8")
    sql(engine, "UPDATE audit_entries SET seq = 8 WHERE seq = 9")
    sql(engine, "UPDATE audit_entries SET seq = 9 WHERE seq = -1")
    result = verify_log(log)
    assert [str(p).split(":")[0] for p in result.problems[:2]] == ["entry 8", "entry 9"]


def test_a_cut_tail_is_named_by_the_head(log: AuditLog, engine: Engine) -> None:
    sql(engine, delete(audit_entries).where(audit_entries.c.seq >= 35))
    assert first(log).startswith("entry 35: missing: the log ends here but its head counts 40")


def test_a_cut_tail_with_a_rewritten_head_is_named_by_the_checkpoints(
    log: AuditLog, engine: Engine
) -> None:
    sql(engine, delete(audit_entries).where(audit_entries.c.seq >= 25))
    sql(engine, update(audit_head).values(size=25))
    result = verify_log(log)
    assert str(result.first).startswith("entry 25: missing: checkpoint 4 covers 31 entries")
    assert "head: altered" in [str(p)[: len("head: altered")] for p in result.problems]


def test_a_store_rolled_back_to_an_older_copy_is_caught_by_the_exported_checkpoints(
    log: AuditLog, engine: Engine, tmp_path: Path
) -> None:
    """Restore a consistent older state (entries, head, checkpoints): only the export knows."""
    old = tmp_path / "old.db"
    with engine.connect() as connection:
        connection.exec_driver_sql(f"VACUUM INTO '{old}'")
    for event in events(30, start=SIZE):  # two more checkpoints, exported
        log.record(event)
    engine.dispose()
    (tmp_path / "state.db").write_bytes(old.read_bytes())
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"state.db{suffix}").unlink(missing_ok=True)
    rolled = AuditLog(open_store(f"sqlite:///{tmp_path / 'state.db'}"), log.key)
    assert verify_log(rolled).intact  # consistent with itself…
    problem = first(rolled, exported=exported(tmp_path))  # …but not with what was published
    assert problem.startswith("entry 40: missing: exported checkpoint 5 covers 41 entries")


def test_a_forged_checkpoint_is_named(log: AuditLog, engine: Engine) -> None:
    (stored,) = [c for c in log.checkpoints() if c.number == 3]
    body = stored.body.replace("\n21\n", "\n22\n")  # one more entry than it signed
    sql(engine, update(audit_checkpoints).where(audit_checkpoints.c.number == 3).values(body=body))
    assert first(log) == ("checkpoint 3: forged: its signature does not verify with the audit key")


def test_a_checkpoint_signed_by_another_key_is_forged(log: AuditLog, engine: Engine) -> None:
    other = Checkpoint.sign(
        AuditKey.generate(), origin="sceau", number=2, size=11, root=b"\0" * 32, at=START
    )
    sql(
        engine,
        update(audit_checkpoints)
        .where(audit_checkpoints.c.number == 2)
        .values(root=other.root, body=other.body, signature=other.signature),
    )
    assert first(log).startswith("checkpoint 2: forged")


def test_a_replayed_old_checkpoint_is_named(log: AuditLog, engine: Engine) -> None:
    """The old checkpoint's own signed number gives it away, wherever it is replayed."""
    with engine.connect() as connection:
        old = connection.execute(
            select(audit_checkpoints).where(audit_checkpoints.c.number == 2)
        ).one()
    sql(engine, delete(audit_checkpoints).where(audit_checkpoints.c.number == 4))
    row = dict(old._mapping, number=4)
    sql(engine, insert(audit_checkpoints).values(**row))
    assert first(log) == "checkpoint 4: forged: its fields differ from what was signed"


def test_a_replayed_old_export_is_named(log: AuditLog, tmp_path: Path) -> None:
    replayed = [*exported(tmp_path), exported(tmp_path)[1]]
    assert first(log, exported=replayed) == (
        "exported checkpoint 5: it is checkpoint 2 replayed out of its place"
    )


def test_an_altered_head_stops_new_appends(log: AuditLog, engine: Engine) -> None:
    sql(engine, update(audit_head).values(size=39))
    with pytest.raises(StoreError, match="head was changed outside sceau"):
        log.record(LoginSucceeded(actor="otto", user="otto"))
    assert log.size() == SIZE


def test_entries_are_sealed_with_their_place(log: AuditLog, engine: Engine) -> None:
    with engine.connect() as connection:
        entry = connection.execute(
            select(audit_entries.c.entry).where(audit_entries.c.seq == 3)
        ).scalar_one()
    body = json.loads(entry)
    assert body["seq"] == 3
    assert body["name"] == "run.batch_staged"


def test_appends_during_a_verification_are_not_tampering(log: AuditLog) -> None:
    """The check reads one snapshot: entries added meanwhile are simply not part of it."""
    import threading

    stop = threading.Event()

    def write() -> None:
        n = SIZE
        while not stop.is_set():
            log.record_many(events(20, start=n))
            n += 20

    writer = threading.Thread(target=write)
    writer.start()
    try:
        results = [verify_log(log) for _ in range(5)]
    finally:
        stop.set()
        writer.join()
    assert all(r.intact for r in results), [str(r.first) for r in results]
    assert verify_log(log).intact


@pytest.mark.parametrize(
    "row",
    [
        {"seq": -1, "at_us": 0, "name": "auth.login", "entry": b"{}", "seal": bytes(32)},
        {"seq": 40, "at_us": 0, "name": "auth.login", "entry": "text, not bytes", "seal": b"x"},
        {"seq": 40, "at_us": "soon", "name": "auth.login", "entry": b"{}", "seal": b"x"},
    ],
)
def test_a_row_sceau_cannot_have_written_is_named_not_a_crash(
    log: AuditLog, engine: Engine, row: dict
) -> None:
    sql(
        engine, text("INSERT INTO audit_entries VALUES (:seq, :at_us, :name, :entry, :seal)"), **row
    )
    problem = first(log)
    assert problem.startswith(("entry 0: inserted", "entry 40: inserted"))


def test_a_removed_export_file_is_a_finding_when_one_is_expected(log: AuditLog) -> None:
    assert verify_log(log).intact
    problem = first(log, exported=[], export_expected=True)
    assert problem.startswith("exported checkpoints: missing")


def test_a_replaced_newest_checkpoint_is_caught_by_its_exported_twin(
    log: AuditLog, engine: Engine, tmp_path: Path
) -> None:
    """Delete the newest stored checkpoint: the next one signed reuses its number."""
    sql(engine, delete(audit_checkpoints).where(audit_checkpoints.c.number == 4))
    publisher, log.publisher = log.publisher, None  # the attacker's copy does not publish
    for event in events(10, start=SIZE):
        log.record(event)
    log.publisher = publisher
    assert verify_log(log).intact  # consistent with itself…
    problem = first(log, exported=exported(tmp_path))
    assert problem == (
        "checkpoint 4: it differs from the one exported under its number: the store's was replaced"
    )


def test_a_checkpoint_of_the_first_format_is_named_as_such(log: AuditLog, engine: Engine) -> None:
    body = "sceau audit checkpoint v1\nsceau\n2\n11\n" + "00" * 32 + f"\n{START.isoformat()}\n"
    sql(engine, update(audit_checkpoints).where(audit_checkpoints.c.number == 2).values(body=body))
    assert first(log) == (
        "checkpoint 2: forged: it is in the format of sceau before checkpoints were signed notes"
    )


def test_an_export_file_of_the_first_format_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    old = {"at": START.isoformat(), "body": "sceau audit checkpoint v1\n…", "number": 1}
    path.write_text(json.dumps(old) + "\n")
    with pytest.raises(CheckpointError) as raised:
        read_exported(path)
    assert raised.value.where == f"{path}:1"
    assert "format of sceau before checkpoints were signed notes" in raised.value.message
    assert "point audit_export at a new file" in raised.value.hint


@pytest.mark.parametrize(
    "line",
    [
        '{"note": "not a note"}',
        '{"note": 3}',
        '["note"]',
        '{"note": "lab.example\\n1\\nAAAA\\nnumber 1\\ntime x\\n\\n\\u2014 lab.example QQ==\\n"}',
    ],
)
def test_an_export_line_that_is_not_a_checkpoint_note_is_named(tmp_path: Path, line: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n" + line + "\n")
    with pytest.raises(CheckpointError, match="this line is not an exported checkpoint") as raised:
        read_exported(path)
    assert raised.value.where == f"{path}:2"


def test_exported_lines_hold_the_notes_as_signed(log: AuditLog, tmp_path: Path) -> None:
    lines = (tmp_path / "exported" / "checkpoints.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"note": c.note} for c in log.checkpoints()]
    assert all(c.problem(log.key.public_bytes) is None for c in exported(tmp_path))
