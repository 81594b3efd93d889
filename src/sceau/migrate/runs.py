"""A run's state in the store: its checkpoints, one row per batch and phase."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

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
