"""Work on every core: the pure parts of a run — staging a batch (minimise, protect, digest,
seal) and digesting the target's rows — run in worker processes; results come back in order,
so the driver stores and checkpoints them one after the other exactly as on one core.

Workers are spawned, not forked (a fork of a process running Polars' threads can deadlock).
The plan, with the controller's keys, and the run's data key reach them through a pipe, never
through a file; what comes back is already sealed, or a digest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from signal import SIG_IGN, SIGINT, signal
from typing import TypeVar

import pyarrow as pa

from sceau.migrate.plan import Plan, stage_batch
from sceau.migrate.staging import Staging
from sceau.migrate.verify import Digest, digest_batch

PARALLEL_FROM_ROWS = 200_000  # below, a run stays in one process: a worker takes a second to start
_IN_FLIGHT_PER_WORKER = 2  # items queued per worker: enough to keep it busy, bounded memory

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


class Cores:
    """A pool of ``workers`` processes for one run, started on first use; one means none."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Cores:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(
        self, function: Callable[[int, _Item], _Result], items: Iterable[_Item]
    ) -> Iterator[_Result]:
        """``function(number, item)`` for each item, numbered from 0, results in order."""
        if self.workers <= 1:
            for number, item in enumerate(items):
                yield function(number, item)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=get_context("spawn"), initializer=_leave_interrupts
            )
        pending: deque[Future[_Result]] = deque()
        for number, item in enumerate(items):
            pending.append(self._pool.submit(function, number, item))
            if len(pending) >= self.workers * _IN_FLIGHT_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _leave_interrupts() -> None:
    """A worker ignores Ctrl-C (the terminal sends it to every process of the command): the
    driver decides how the run stops, after a batch's checkpoint."""
    signal(SIGINT, SIG_IGN)


@dataclass(frozen=True)
class SealedBatch:
    number: int
    sealed: bytes
    digest: Digest  # of the staged rows
    refused: int  # rows the scope refused
    rows_read: int


def seal_batch(plan: Plan, staging: Staging, number: int, batch: pa.RecordBatch) -> SealedBatch:
    """Stage one source batch as the target will hold it, sealed; a pure function."""
    staged, refused = stage_batch(batch, plan)
    return SealedBatch(
        number, staging.seal(number, staged), digest_batch(staged), refused, batch.num_rows
    )


def sealed_batches(
    cores: Cores, batches: Iterable[pa.RecordBatch], plan: Plan, staging: Staging
) -> Iterator[SealedBatch]:
    """Every source batch staged and sealed, in order."""
    return cores.map(partial(seal_batch, plan, staging), batches)


def digest_on_cores(cores: Cores, batches: Iterable[pa.RecordBatch]) -> Iterator[Digest]:
    """The digest of each batch, computed on the pool's cores."""
    return cores.map(_digest, batches)


def _digest(_number: int, batch: pa.RecordBatch) -> Digest:
    return digest_batch(batch)
