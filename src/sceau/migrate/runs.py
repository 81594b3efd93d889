"""The run repository: every read and write of the ``runs`` and ``checkpoints`` tables, and the
lock that keeps two processes from driving the same run.

A run's state only moves through :func:`move`, which checks the move against the state
machine and makes it only if the store still holds the state the caller read.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from sceau.errors import SceauError
from sceau.migrate.state import IllegalMove, RunState, check_move
from sceau.migrate.verify import Digest
from sceau.store.schema import checkpoints, mandates, runs


@dataclass(frozen=True)
class RunRecord:
    """One run as the store holds it (names, hashes and counts: no patient data)."""

    run_id: str
    mandate_sha256: str
    actor: str
    state: RunState
    source: str
    destination: str
    key_id: str
    key_provider: str
    staging_path: str
    started_at: datetime
    retention_until: datetime
    finished_at: datetime | None = None
    shredded_at: datetime | None = None
    shredded_by: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    mandate_id: str = ""  # from the signed mandate, when the store holds it

    @property
    def stopped_while(self) -> RunState | None:
        """The phase a stopped run was in: where ``--resume`` takes it back to."""
        phase = self.summary.get("stopped_while")
        return RunState(phase) if phase else None


def create_run(engine: Engine, record: RunRecord) -> None:
    """Store a new run, in its first state."""
    with engine.begin() as connection:
        connection.execute(
            insert(runs).values(
                run_id=record.run_id,
                mandate_sha256=record.mandate_sha256,
                actor=record.actor,
                status=record.state.value,
                source=record.source,
                destination=record.destination,
                key_id=record.key_id,
                key_provider=record.key_provider,
                staging_path=record.staging_path,
                started_at=record.started_at,
                retention_until=record.retention_until,
                summary=record.summary or None,
            )
        )


def find_run(engine: Engine, run_id: str) -> RunRecord | None:
    """The run with this id, or None."""
    with engine.connect() as connection:
        found = _records(connection, runs.c.run_id == run_id)
    return found[0] if found else None


def list_runs(engine: Engine) -> list[RunRecord]:
    """Every run, the latest started first."""
    with engine.connect() as connection:
        return _records(connection, None)


def unfinished_runs(engine: Engine, mandate_sha256: str) -> list[RunRecord]:
    """The runs of this mandate that ``--resume`` could still take to their end."""
    with engine.connect() as connection:
        found = _records(connection, runs.c.mandate_sha256 == mandate_sha256)
    return [record for record in found if record.state.resumable]


def overdue_runs(engine: Engine, now: datetime) -> list[str]:
    """Runs whose staging still exists past the mandate's retention."""
    query = select(runs.c.run_id, runs.c.retention_until).where(runs.c.shredded_at.is_(None))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [run_id for run_id, until in rows if _aware(until) <= now]


def move(
    engine: Engine,
    run_id: str,
    old: RunState,
    new: RunState,
    *,
    summary: dict[str, Any] | None = None,
    **values: object,
) -> None:
    """Move the run from ``old`` to ``new`` (with other columns' ``values``, and ``summary``
    entries merged into its summary); IllegalMove if the machine does not allow it, or if the
    store no longer holds ``old``."""
    check_move(run_id, old, new)
    with engine.begin() as connection:
        if summary:
            values["summary"] = {**_summary(connection, run_id), **summary}
        done = connection.execute(
            update(runs)
            .where((runs.c.run_id == run_id) & (runs.c.status == old.value))
            .values(status=new.value, **values)
        )
        if done.rowcount != 1:
            stored = connection.execute(
                select(runs.c.status).where(runs.c.run_id == run_id)
            ).scalar_one_or_none()
            raise IllegalMove(run_id, stored or "nowhere", new)


def note(engine: Engine, run_id: str, **entries: object) -> None:
    """Merge ``entries`` into the run's summary (timings, where its reports are)."""
    with engine.begin() as connection:
        merged = {**_summary(connection, run_id), **entries}
        connection.execute(update(runs).where(runs.c.run_id == run_id).values(summary=merged))


def _summary(connection: Connection, run_id: str) -> dict[str, Any]:
    stored = connection.execute(select(runs.c.summary).where(runs.c.run_id == run_id))
    return dict(stored.scalar_one_or_none() or {})


def _records(connection: Connection, where: Any) -> list[RunRecord]:
    query = (
        select(runs, mandates.c.mandate_id)
        .select_from(runs.outerjoin(mandates, mandates.c.sha256 == runs.c.mandate_sha256))
        .order_by(runs.c.started_at.desc(), runs.c.run_id)
    )
    if where is not None:
        query = query.where(where)
    return [
        RunRecord(
            run_id=row["run_id"],
            mandate_sha256=row["mandate_sha256"],
            actor=row["actor"],
            state=RunState(row["status"]),
            source=row["source"],
            destination=row["destination"],
            key_id=row["key_id"],
            key_provider=row["key_provider"],
            staging_path=row["staging_path"],
            started_at=row["started_at"],
            retention_until=row["retention_until"],
            finished_at=row["finished_at"],
            shredded_at=row["shredded_at"],
            shredded_by=row["shredded_by"],
            summary=dict(row["summary"] or {}),
            mandate_id=row["mandate_id"] or "",
        )
        for row in connection.execute(query).mappings()
    ]


# --- checkpoints ------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """One batch of a run through one phase (``staged`` or ``loaded``)."""

    phase: str
    batch: int
    rows: int
    refused_rows: int
    at: datetime


def record_checkpoint(
    engine: Engine, run_id: str, phase: str, number: int, digest: Digest, refused: int
) -> None:
    """Record that batch ``number`` of the run went through ``phase`` (staged or loaded)."""
    with engine.begin() as connection:
        connection.execute(
            insert(checkpoints).values(
                run_id=run_id,
                phase=phase,
                batch=number,
                rows=digest.rows,
                refused_rows=refused,
                digest=digest.hex,
                at=datetime.now(UTC),
            )
        )


def clear_checkpoints(engine: Engine, run_id: str, phase: str) -> None:
    """Forget a phase's checkpoints (an extraction started again begins from nothing)."""
    with engine.begin() as connection:
        connection.execute(
            delete(checkpoints).where(
                (checkpoints.c.run_id == run_id) & (checkpoints.c.phase == phase)
            )
        )


def checkpoints_of(engine: Engine, run_id: str, phase: str) -> dict[int, tuple[Digest, int]]:
    """Batch number → (digest, rows refused by the scope), for one phase of a run."""
    query = select(checkpoints).where(
        (checkpoints.c.run_id == run_id) & (checkpoints.c.phase == phase)
    )
    with engine.connect() as connection:
        return {
            row["batch"]: (Digest.parse(row["rows"], row["digest"]), row["refused_rows"])
            for row in connection.execute(query).mappings()
        }


def checkpoint_list(engine: Engine, run_id: str) -> list[Checkpoint]:
    """Every checkpoint of a run, phase by phase, batch by batch (what ``runs show`` lists)."""
    query = (
        select(checkpoints)
        .where(checkpoints.c.run_id == run_id)
        .order_by(checkpoints.c.phase.desc(), checkpoints.c.batch)
    )
    with engine.connect() as connection:
        return [
            Checkpoint(row["phase"], row["batch"], row["rows"], row["refused_rows"], row["at"])
            for row in connection.execute(query).mappings()
        ]


def rows_done(engine: Engine) -> dict[str, dict[str, int]]:
    """Run id → phase → rows checkpointed, for every run at once (what ``runs list`` shows)."""
    query = select(checkpoints.c.run_id, checkpoints.c.phase, func.sum(checkpoints.c.rows))
    with engine.connect() as connection:
        rows = connection.execute(query.group_by(checkpoints.c.run_id, checkpoints.c.phase)).all()
    done: dict[str, dict[str, int]] = {}
    for run_id, phase, count in rows:
        done.setdefault(run_id, {})[phase] = int(count or 0)
    return done


def total(engine: Engine, run_id: str, phase: str) -> Digest:
    """The digest of every batch of ``run_id`` checkpointed in ``phase``."""
    return sum((digest for digest, _ in checkpoints_of(engine, run_id, phase).values()), Digest())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- the lock ---------------------------------------------------------------------------


class RunBusy(SceauError):
    """Another process is driving this run right now."""


@contextlib.contextmanager
def run_lock(folder: Path, run_id: str) -> Iterator[None]:
    """Hold ``run_id``'s lock for the block, or raise RunBusy at once.

    An operating-system lock on a file beside the staging: the system releases it when the
    process ends, however it ends, so a run killed with SIGKILL can be resumed at once.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # the staging root: 0700 too
    locks = folder / ".locks"
    locks.mkdir(mode=0o700, exist_ok=True)
    descriptor = os.open(locks / f"{run_id}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunBusy(
                "this run is in progress in another process",
                hint="wait for it to end; if that process is gone, try again",
                where=f"run {run_id}",
            ) from None
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def is_driven(folder: Path, run_id: str) -> bool:
    """Whether a process holds the run's lock right now (it is running, not interrupted)."""
    try:
        with run_lock(folder, run_id):
            return False
    except RunBusy:
        return True
