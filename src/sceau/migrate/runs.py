"""A run's state: its checkpoints in the store, one row per batch and phase, and the lock that
keeps two processes from driving the same run."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select

from sceau.errors import SceauError
from sceau.migrate.verify import Digest
from sceau.store.schema import checkpoints


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


def total(engine: Engine, run_id: str, phase: str) -> Digest:
    """The digest of every batch of ``run_id`` checkpointed in ``phase``."""
    return sum((digest for digest, _ in checkpoints_of(engine, run_id, phase).values()), Digest())


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
