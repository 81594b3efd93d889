"""The audit sink on real stores: PostgreSQL as well as SQLite, writers racing each other,
checkpoints on count and on time, and publication that catches up or refuses the action."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from tests.postgres import schema_url

from sceau.audit.chain import leaf_hash, root_of
from sceau.audit.checkpoint import read_exported
from sceau.audit.export import ExportError, FilePublisher, SyslogPublisher, publisher_for
from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog
from sceau.audit.verify import verify_log
from sceau.config import load_settings
from sceau.errors import SceauError
from sceau.events import BatchStaged, LoginSucceeded
from sceau.store import open_store
from sceau.store.schema import audit_entries

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def batch(n: int, writer: str = "op.durand") -> BatchStaged:
    return BatchStaged(
        actor=writer, run_id="20261123-abcdef012345", batch=n, rows=100, refused_rows=0, at=START
    )


class Clock:
    """A clock the test moves: checkpoints on time without waiting for it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose search_path is a schema of the test's own, dropped afterwards."""
    with schema_url("sceau_sink") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engines() -> Iterator[Callable[[str], Engine]]:
    """open_store, with every engine it made disposed of at the end."""
    made: list[Engine] = []

    def opened(location: str) -> Engine:
        made.append(open_store(location))
        return made[-1]

    yield opened
    for engine in made:
        engine.dispose()


def seqs(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(select(audit_entries.c.seq).order_by("seq")).scalars())


# --- recording and the store's own lock -----------------------------------------------------


def test_a_trail_recorded_on_postgresql_verifies(postgres_url: str, engines) -> None:
    engine = engines(postgres_url)
    log = AuditLog(engine, AuditKey.generate(), checkpoint_every=7)
    for n in range(30):
        log.record(batch(n))
    log.record(LoginSucceeded(actor="dr.martin", user="dr.martin"))

    result = verify_log(log)
    assert result.intact, result.problems
    assert result.size == 31 == log.size()
    assert [c.size for c in log.checkpoints()] == [1, 8, 15, 22, 29]
    assert [e.get("batch") for e in log.read(names=["run.batch_staged"])] == list(range(30))
    assert [e.actor for e in log.read(after=29)] == ["dr.martin"]
    leaves = [leaf_hash(entry) for entry in log.entries()]
    for checkpoint in log.checkpoints():
        assert checkpoint.problem(log.key.public_bytes) is None
        assert checkpoint.root == root_of(leaves[: checkpoint.size]).hex()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_entries SET name = 'auth.login' WHERE seq = 1",
        "DELETE FROM audit_entries WHERE seq = 2",
        "DELETE FROM audit_checkpoints",
        "TRUNCATE audit_entries",
    ],
)
def test_postgresql_refuses_to_change_the_trail_through_the_stores_own_engine(
    postgres_url: str, engines, statement: str
) -> None:
    engine = engines(postgres_url)  # open_store installs the triggers: nothing else was run
    log = AuditLog(engine, AuditKey.generate())
    for n in range(4):
        log.record(batch(n))

    with pytest.raises(DBAPIError) as refused, engine.begin() as connection:
        connection.execute(text(statement))

    assert refused.value.orig.sqlstate == "42501"  # type: ignore[union-attr]
    assert "the audit trail is append-only" in str(refused.value.orig)
    assert seqs(engine) == [0, 1, 2, 3]
    assert verify_log(log).intact


# --- writers racing -------------------------------------------------------------------------


def _race(logs: list[AuditLog], per_writer: int) -> None:
    """Each log appends ``per_writer`` events from a thread of its own, all released at once."""
    gate = threading.Barrier(len(logs))
    failures: list[BaseException] = []

    def write(log: AuditLog, writer: str) -> None:
        try:
            gate.wait()
            for n in range(per_writer):
                log.record(batch(n, writer))
        except BaseException as error:  # noqa: BLE001  (reported below, with the writer's name)
            failures.append(error)

    threads = [
        threading.Thread(target=write, args=(log, f"writer.{i}")) for i, log in enumerate(logs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.parametrize("layout", ["two engines", "one engine, two threads"])
def test_concurrent_writers_keep_a_gap_free_verifiable_trail(url: str, engines, layout) -> None:
    key = AuditKey.generate()
    first = engines(url)
    second = engines(url) if layout == "two engines" else first
    logs = [AuditLog(engine, key, checkpoint_every=9) for engine in (first, second)]
    logs[0].record(LoginSucceeded(actor="admin", user="admin"))  # the head exists before the race

    _race(logs, per_writer=40)

    assert seqs(first) == list(range(81))
    result = verify_log(logs[1])
    assert result.intact, result.problems
    for writer in ("writer.0", "writer.1"):
        mine = [e.get("batch") for e in logs[0].read() if e.actor == writer]
        assert mine == list(range(40))  # each writer's events in its own order, none lost
    sizes = [c.size for c in logs[0].checkpoints()]
    assert sizes == sorted(set(sizes))
    assert all(b - a == 9 for a, b in itertools.pairwise(sizes))


# --- checkpoints ----------------------------------------------------------------------------


def test_a_checkpoint_every_n_entries_and_after_m_minutes(sqlite_url: str, engines) -> None:
    clock = Clock()
    log = AuditLog(
        engines(sqlite_url),
        AuditKey.generate(),
        origin="lab-a.example",
        checkpoint_every=5,
        checkpoint_after=timedelta(minutes=10),
        clock=clock,
    )
    log.record(batch(0))  # the first entry is checkpointed at once: the trail has a signed start
    for n in range(1, 8):
        clock.advance(seconds=30)
        log.record(batch(n))
    assert [(c.number, c.size) for c in log.checkpoints()] == [(1, 1), (2, 6)]

    clock.now = log.checkpoints()[-1].at + timedelta(minutes=9, seconds=59)
    log.record(batch(8))  # 9 min 59 s after checkpoint 2, 3 entries since: not yet
    assert len(log.checkpoints()) == 2
    clock.advance(seconds=1)
    log.record(batch(9))  # 10 minutes: due, although only 4 entries were added since
    made = log.checkpoints()[-1]
    assert (made.number, made.size, made.at) == (3, 10, clock.now)
    lines = made.body.splitlines()
    assert [lines[0], lines[1], lines[3]] == ["lab-a.example", "10", "number 3"]
    assert lines[4] == f"time {clock.now.isoformat()}"

    assert log.checkpoint() is None  # nothing new since checkpoint 3
    log.record(batch(10))
    assert (log.checkpoint().number, log.checkpoints()[-1].size) == (4, 11)
    assert verify_log(log).intact


def test_the_file_publisher_catches_up_the_checkpoints_it_missed(
    sqlite_url: str, engines, tmp_path: Path
) -> None:
    engine, key = engines(sqlite_url), AuditKey.generate()
    unpublished = AuditLog(engine, key, checkpoint_every=5)
    for n in range(12):
        unpublished.record(batch(n))  # checkpoints 1, 2 and 3: exported nowhere
    path = tmp_path / "elsewhere" / "checkpoints.jsonl"
    published = AuditLog(engine, key, checkpoint_every=5, publisher=FilePublisher(path))
    for n in range(12, 16):
        published.record(batch(n))  # the 16th entry signs checkpoint 4: 1 to 3 go out with it

    exported = read_exported(path)
    assert [c.number for c in exported] == [1, 2, 3, 4]
    assert [c.note for c in exported] == [c.note for c in published.checkpoints()]
    assert (path.parent.stat().st_mode & 0o777) == 0o700
    assert verify_log(published, exported=exported).intact
    published.record(batch(16))  # not due: the file is left alone
    assert len(read_exported(path)) == 4
    path.unlink()  # once started, the file is never made up again from the store
    with pytest.raises(ExportError, match="file of exported checkpoints is missing"):
        published.checkpoint()
    assert not path.exists()


def test_an_export_file_that_cannot_be_written_refuses_the_action(
    sqlite_url: str, engines, tmp_path: Path
) -> None:
    path = tmp_path / "checkpoints.jsonl"
    path.mkdir()  # unwritable whoever runs the test, root included
    log = AuditLog(
        engines(sqlite_url), AuditKey.generate(), checkpoint_every=3, publisher=FilePublisher(path)
    )

    with pytest.raises(ExportError) as refused:
        log.record(batch(0))  # the first entry signs checkpoint 1, which cannot be published

    error = refused.value
    assert isinstance(error, SceauError)  # the CLI prints one line and exits with status 2
    assert error.message.startswith("cannot publish the audit checkpoint (")
    assert "Is a directory" in error.message
    assert error.where == str(path)
    assert "the action stopped" in error.hint
    assert "audit_export" in error.hint
    assert verify_log(log).intact  # what the store holds is still a sound trail

    path.rmdir()  # fixed: the next checkpoint publishes every one the file missed
    for n in range(1, 4):
        log.record(batch(n))
    assert [c.number for c in read_exported(path)] == [1, 2]
    assert verify_log(log, exported=read_exported(path)).intact


@pytest.mark.parametrize(
    ("destination", "kind"),
    [
        ("", type(None)),
        ("udp://127.0.0.1:514", SyslogPublisher),
        ("tcp://siem.internal:6514", SyslogPublisher),
        ("tls://siem.internal:6514", SyslogPublisher),
        ("/srv/audit/checkpoints.jsonl", FilePublisher),
    ],
)
def test_audit_export_names_a_file_or_a_collector(destination: str, kind: type) -> None:
    assert isinstance(publisher_for(destination), kind)


def test_a_lost_audit_key_is_not_silently_replaced(tmp_path: Path) -> None:
    from sceau.audit.key import AuditKeyError
    from sceau.config import load_settings

    settings = load_settings({"SCEAU_HOME": str(tmp_path / "home")})
    engine = open_store(settings.store)
    AuditLog.from_settings(settings, engine).record(LoginSucceeded(actor="otto", user="otto"))
    settings.audit_key_path.unlink()
    with pytest.raises(AuditKeyError, match="audit key is missing"):
        AuditLog.from_settings(settings, engine)
    assert not settings.audit_key_path.exists()
    engine.dispose()


def test_writers_publishing_at_once_never_export_a_checkpoint_twice(
    sqlite_url: str, engines, tmp_path: Path
) -> None:
    path = tmp_path / "checkpoints.jsonl"
    key = AuditKey.generate()
    logs = [
        AuditLog(engines(sqlite_url), key, checkpoint_every=1, publisher=FilePublisher(path))
        for _ in range(4)
    ]
    logs[0].record(batch(0))  # the trail's first checkpoint creates the file

    def write(log: AuditLog, first: int) -> None:
        for n in range(first, first + 15):
            log.record(batch(n))

    threads = [threading.Thread(target=write, args=(log, 100 * i)) for i, log in enumerate(logs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = [c.number for c in read_exported(path)]
    assert numbers == sorted(set(numbers))
    assert verify_log(logs[0], exported=read_exported(path)).intact


def test_the_origin_is_the_setting_or_else_unique_to_the_installation(
    tmp_path: Path, sqlite_url: str, engines
) -> None:
    engine = engines(sqlite_url)
    env = {"SCEAU_HOME": str(tmp_path / "home")}
    made = AuditLog.from_settings(load_settings(env), engine)
    assert made.origin == f"sceau.audit/{made.key.fingerprint[:16]}"
    assert AuditLog(engine, AuditKey.generate()).origin != made.origin  # another installation
    named = AuditLog.from_settings(
        load_settings({**env, "SCEAU_AUDIT_ORIGIN": "lab.example/sceau-audit"}), engine
    )
    assert named.key.fingerprint == made.key.fingerprint
    named.record(batch(0))
    (signed,) = named.checkpoints()
    assert signed.note.startswith("lab.example/sceau-audit\n1\n")
    assert "\n\n\u2014 lab.example/sceau-audit " in signed.note
    assert str(named.verifier).startswith("lab.example/sceau-audit+")
    for wrong in ("lab example", "lab+audit"):
        with pytest.raises(SceauError, match="cannot hold spaces") as raised:
            AuditLog.from_settings(load_settings({**env, "SCEAU_AUDIT_ORIGIN": wrong}), engine)
        assert raised.value.where == "audit_origin"


def test_the_default_export_is_an_absolute_file_even_for_a_relative_home(tmp_path, monkeypatch):
    # the demo's home is relative to where it runs; the checkpoints' file must not move with it
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCEAU_HOME", "demo-output/home")
    settings = load_settings()
    destination = settings.audit_export_destination
    assert Path(destination).is_absolute()
    assert destination == str(tmp_path / "demo-output" / "home" / "checkpoints.jsonl")
    assert isinstance(publisher_for(destination), FilePublisher)
