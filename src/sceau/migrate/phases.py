"""The phases of a run, each from the staging or the target it is handed: extract (read,
minimise, protect, seal each batch into staging), load (each staged batch into the target with
its checkpoint) and verify (the target read back against the staging).

After each batch's checkpoint a phase looks at the session's stop request: a run stops there,
where resuming loses nothing and loads nothing twice.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from typing import Any

import pyarrow as pa

from sceau.events import BatchLoaded, BatchStaged, RunVerified, VerificationFailed
from sceau.mandate.verify import VerifiedMandate
from sceau.migrate import runs
from sceau.migrate.errors import MigrationError, StopNow
from sceau.migrate.outcome import RunOutcome
from sceau.migrate.plan import Plan
from sceau.migrate.session import MigrationSession
from sceau.migrate.staging import Staging
from sceau.migrate.state import RunState
from sceau.migrate.tracing import RunTracing
from sceau.migrate.verify import Digest
from sceau.migrate.workers import Cores, digest_on_cores, sealed_batches
from sceau.sources.base import Table, batched
from sceau.targets.base import Target, TargetError, TargetTable, open_target


def extract(
    session: MigrationSession,
    outcome: RunOutcome,
    plan: Plan,
    staging: Staging,
    table: Table,
    cores: Cores,
    tracing: RunTracing | None = None,
) -> None:
    """Stage every source batch, sealed, from the first (a restarted extraction starts over);
    ``tracing`` fingerprints each batch read and keeps its fingerprints with its checkpoint."""
    started = time.perf_counter()
    staging.create()
    staging.clear()
    runs.clear_checkpoints(session.engine, outcome.run_id, "staged")
    progress = session.progress
    progress.phase("extract", table.expected_rows)
    batches = batched(table.batches(), session.settings.batch_rows)
    with ExitStack() as stack:  # the fingerprinting thread ends here, whatever stops the loop
        if tracing is not None:
            batches = stack.enter_context(closing(tracing.watch(batches)))
        for done in sealed_batches(cores, batches, plan, staging):
            session.events.record(  # before the batch is kept: no staged batch goes unlogged
                BatchStaged(
                    actor=session.actor,
                    run_id=outcome.run_id,
                    batch=done.number,
                    rows=done.digest.rows,
                    refused_rows=done.refused,
                )
            )
            staging.store(done.number, done.sealed)
            if tracing is not None:
                tracing.keep(done.number)
            runs.record_checkpoint(
                session.engine, outcome.run_id, "staged", done.number, done.digest, done.refused
            )
            progress.rows(done.rows_read)
            _stop_point(session)
    progress.phase_done()
    add_timing(session, outcome, "extract", time.perf_counter() - started)


def load(session: MigrationSession, outcome: RunOutcome, staging: Staging, target: Target) -> None:
    """Write every staged batch the target does not hold yet, each with its checkpoint."""
    started = time.perf_counter()
    mandate = outcome.verified.mandate
    target.prepare(create=mandate.create_table)
    staged = runs.checkpoints_of(session.engine, outcome.run_id, "staged")
    recorded = runs.checkpoints_of(session.engine, outcome.run_id, "loaded")
    committed = target.loaded_batches(outcome.run_id)
    refuse_foreign_rows(target, committed)
    progress = session.progress
    progress.phase("load", sum(d.rows for d, _ in staged.values()))
    to_load = [number for number in sorted(staged) if number not in committed]
    opened = _read_ahead(staging, to_load)
    shown = [0]  # rows of the current batch the target reported as it wrote them

    def written(count: int) -> None:
        shown[0] += count
        progress.rows(count)

    target.watch(written)
    # closed here, whatever stops the loop: left to the garbage collector, the reader's thread
    # pool could be shut down from another thread while the next run starts its own
    with closing(opened):
        for number in sorted(staged):
            digest, _ = staged[number]
            shown[0] = 0
            if number not in committed:
                # recorded before the write: a batch the trail cannot log never reaches the target
                session.events.record(
                    BatchLoaded(
                        actor=session.actor, run_id=outcome.run_id, batch=number, rows=digest.rows
                    )
                )
                target.write_batch(outcome.run_id, number, next(opened))
            if number not in recorded:  # the target committed it; the store may not know yet
                runs.record_checkpoint(session.engine, outcome.run_id, "loaded", number, digest, 0)
            progress.rows(max(digest.rows - shown[0], 0))  # the rest, or all of a batch at once
            _stop_point(session)
    target.watch(None)
    progress.phase_done()
    note_reached(session, outcome, target)
    add_timing(session, outcome, "load", time.perf_counter() - started)


def verify(session: MigrationSession, outcome: RunOutcome, target: Target, cores: Cores) -> None:
    """The target's count and digest against the staging's: ``verified``, or ``failed`` with
    an alert and the staging kept for investigation."""
    started = time.perf_counter()
    staged = runs.checkpoints_of(session.engine, outcome.run_id, "staged")
    expected = sum((digest for digest, _ in staged.values()), Digest())
    session.progress.phase("verify", expected.rows)
    found = Digest()
    for digest in digest_on_cores(cores, target.read_rows()):
        found = found + digest
        session.progress.rows(digest.rows)
        _stop_point(session)
    session.progress.phase_done()
    note_reached(session, outcome, target)
    add_timing(session, outcome, "verify", time.perf_counter() - started)
    outcome.staged, outcome.loaded = expected, found
    if found != expected:
        reason = (
            f"the target holds {found.rows} rows, {expected.rows} were staged"
            if found.rows != expected.rows
            else "the target's rows differ from the staged rows (same count, other digest)"
        )
        session.events.record(
            VerificationFailed(
                actor=session.actor,
                run_id=outcome.run_id,
                staged_rows=expected.rows,
                target_rows=found.rows,
                reason=reason,
            )
        )
        move(session, outcome, RunState.FAILED)
        raise MigrationError(
            f"verification failed: {reason}",
            hint="the staging is kept for investigation; an alert was raised",
            where=f"run {outcome.run_id}",
        )
    session.events.record(
        RunVerified(actor=session.actor, run_id=outcome.run_id, rows=found.rows, digest=found.hex)
    )
    outcome.finished_at = session.now()
    move(session, outcome, RunState.VERIFIED, finished_at=outcome.finished_at)
    session.progress.step(
        f"Verified: the target holds exactly the {found.rows:,} rows staged "
        f"(digest {found.hex[:16]}…)."
    )


def move(
    session: MigrationSession,
    outcome: RunOutcome,
    state: RunState,
    *,
    summary: dict[str, Any] | None = None,
    **values: object,
) -> None:
    """Move the run, in the store and in ``outcome``, to ``state``."""
    runs.move(session.engine, outcome.run_id, outcome.status, state, summary=summary, **values)
    outcome.status = state


def open_mandate_target(session: MigrationSession, verified: VerifiedMandate) -> Target:
    """The mandate's destination table, connected with its kept password, if any."""
    mandate = verified.mandate
    return open_target(
        session.connect_url(mandate.destination),
        TargetTable(mandate.destination_table, mandate.target_columns),
    )


def check_destination(
    session: MigrationSession, verified: VerifiedMandate, run_id: str | None
) -> None:
    """The target reachable, its table there (or created) with the mandate's columns, and
    holding no row but this run's: checked before anything is extracted."""
    with open_mandate_target(session, verified) as target:
        target.prepare(create=verified.mandate.create_table)
        refuse_foreign_rows(target, target.loaded_batches(run_id) if run_id else {})


def refuse_foreign_rows(target: Target, committed: dict[int, int]) -> None:
    if not committed and _holds_rows(target):
        raise TargetError(
            "the target table already holds rows that this run did not load",
            hint="a run loads into an empty table: empty this one or name another in a new "
            "mandate (to finish a stopped run, use --resume)",
            where=target.display,
        )


def note_reached(session: MigrationSession, outcome: RunOutcome, target: Target) -> None:
    """Keep, with the run, every place the target's connections reached: the report names
    them beside the signed destination, a resumed run's as well."""
    places = [place for place in target.reached() if place not in outcome.connected_to]
    if places:
        outcome.connected_to.extend(places)
        runs.note(session.engine, outcome.run_id, connected_to=outcome.connected_to)


def add_timing(session: MigrationSession, outcome: RunOutcome, phase: str, seconds: float) -> None:
    outcome.timings[phase] = round(outcome.timings.get(phase, 0.0) + seconds, 3)
    runs.note(session.engine, outcome.run_id, timings=outcome.timings)


def _stop_point(session: MigrationSession) -> None:
    if session.stop.requested:
        raise StopNow


def _holds_rows(target: Target) -> bool:
    """Whether the table holds any row at all (reads at most its first batch)."""
    rows = target.read_rows()
    try:
        return any(batch.num_rows for batch in itertools.islice(rows, 1))
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _read_ahead(staging: Staging, numbers: list[int]) -> Generator[pa.RecordBatch, None, None]:
    """The staged batches in order, each opened by a thread while the one before is loading
    (decryption and the target's network wait overlap; one batch ahead, memory bounded)."""
    with ThreadPoolExecutor(1) as reader:
        ahead = [reader.submit(staging.read, number) for number in numbers[:1]]
        for following in numbers[1:]:
            current = ahead.pop().result()
            ahead.append(reader.submit(staging.read, following))
            yield current
        for last in ahead:
            yield last.result()
