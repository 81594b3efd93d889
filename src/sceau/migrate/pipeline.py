"""The driver of a migration: it owns I/O, checkpoints and events; the stages stay pure.

    verify the mandate → scan the source (drift guard) → start a run (its own key)
    → extract: read, minimise, protect, seal each batch into staging      (status "staging")
    → load: each staged batch into the target, with its checkpoint         (status "loading")
    → verify: counts and digest of the target against the staging          (status "verifying")
    → shred: destroy the run's key, delete the staging, sign a certificate (status "shredded")

A run killed anywhere resumes with ``migrate(..., resume=run_id)``. Extraction is redone from
the start if it had not finished (nothing has reached the target yet); loading skips every batch
the target itself records as committed, so each row is loaded exactly once.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Engine, delete, insert, select, update

from sceau.errors import SceauError
from sceau.events import (
    BatchLoaded,
    BatchStaged,
    DriftRefused,
    MandateRefused,
    RunStarted,
    RunStopped,
    RunVerified,
    ScanDisagreed,
    VerificationFailed,
)
from sceau.keys import material
from sceau.mandate.model import MandateError
from sceau.mandate.policy import DriftError, ScanDisagreement, check_drift, watched_text
from sceau.mandate.verify import VerifiedMandate, load_verified
from sceau.migrate.certificate import Certificate
from sceau.migrate.plan import Plan
from sceau.migrate.preflight import DRIFT_SAMPLE_ROWS, check_destination, drift_scan, source_table
from sceau.migrate.progress import MigrateProgress
from sceau.migrate.runs import checkpoints_of, record_checkpoint, run_lock, total
from sceau.migrate.session import MigrationSession
from sceau.migrate.shred import shred_run
from sceau.migrate.staging import Staging
from sceau.migrate.verify import Digest
from sceau.migrate.workers import PARALLEL_FROM_ROWS, Cores, digest_on_cores, sealed_batches
from sceau.sources.base import Table, batched
from sceau.store.schema import checkpoints, runs
from sceau.targets.base import Target, TargetError, TargetTable, open_target
from sceau.urls import redact_url


class MigrationError(SceauError):
    """A run cannot start, go on, or be verified."""


@dataclass
class RunOutcome:
    """What a finished (or stopped) run did: the facts the report and certificate state."""

    run_id: str
    verified: VerifiedMandate
    status: str
    source: str
    destination: str
    operator: str = ""  # the account that started the run
    source_rows: int = 0
    refused_rows: int = 0
    staged: Digest = field(default_factory=Digest)
    loaded: Digest = field(default_factory=Digest)
    batches: int = 0
    key_id: str = ""
    key_provider: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    shredded_at: datetime | None = None
    shredded_by: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    certificate: Certificate | None = None


def migrate(
    session: MigrationSession, mandate_path: Path, *, resume: str | None = None
) -> RunOutcome:
    """Run the mandate at ``mandate_path`` (or resume run ``resume`` of it) to its end."""
    verified = _verified(session, mandate_path)
    mandate = verified.mandate
    progress = session.progress
    progress.step(
        f"Mandate {mandate.mandate_id} verified: signed by {verified.signer} for "
        f"{mandate.controller.name}, valid until {mandate.valid_until:%Y-%m-%d}."
    )
    check_destination(mandate)  # the names the target must hold, before the source is read
    root = session.settings.staging_root
    if resume:
        with run_lock(root, resume):
            outcome = _resumed(session, verified, resume)
            if outcome.status != "staging":  # the source is not read again after extraction
                return _drive(session, outcome, None, ())
            table = _source_table(session, verified)
            watched = _guard_drift(session, verified, table)
            _check_destination(session, verified, resume)
            return _drive(session, outcome, table, watched)
    table = _source_table(session, verified)
    watched = _guard_drift(session, verified, table)
    # before a run exists: a wrong destination costs nothing
    _check_destination(session, verified, None)
    outcome = _started(session, verified)
    with run_lock(root, outcome.run_id):
        return _drive(session, outcome, table, watched)


def _drive(
    session: MigrationSession,
    outcome: RunOutcome,
    table: Table | None,
    watched: tuple[str, ...],
) -> RunOutcome:
    """The run's phases from where it stands, then shredding; an error leaves an alert."""
    try:
        _run_phases(session, outcome, table, watched)
    except SceauError as error:
        if outcome.status not in {"failed", "shredded"}:  # those raised their own alert
            _record_stop(session, outcome, error)
        raise
    _fill_totals(session.engine, outcome)
    if outcome.status == "verified":
        _shred(session, outcome, reason="verified")
    return outcome


def _run_phases(
    session: MigrationSession,
    outcome: RunOutcome,
    table: Table | None,
    watched: tuple[str, ...],
) -> None:
    """Extract (from ``table``, when the run is still staging), load and verify."""
    verified = outcome.verified
    if table is not None:
        expected = table.expected_rows
    else:
        expected = total(session.engine, outcome.run_id, "staged").rows
    workers = (os.cpu_count() or 1) if (expected or 0) >= PARALLEL_FROM_ROWS else 1
    with Cores(workers) as cores:
        if outcome.status in {"staging", "loading"}:
            keys = material.controller_keys(
                session.provider,
                session.engine,
                session.events,
                verified.mandate.controller.finess or "",
                actor=session.actor,
            )
            run_key = _run_key(session, outcome)
            staging = Staging(_staging_folder(session, outcome.run_id), outcome.run_id, run_key)
            if outcome.status == "staging":
                assert table is not None
                plan = Plan(verified.mandate, verified.sha256, keys, watched)
                try:
                    _extract(session, outcome, plan, staging, table, cores)
                except DriftError as error:
                    _refuse_drift(session, verified, error)
                    _shred(session, outcome, reason="refused")  # what was staged is useless
                    raise
                _set_status(session.engine, outcome, "loading")
            with _target(session, verified) as target:
                _load(session, outcome, staging, target)
                _set_status(session.engine, outcome, "verifying")
                _verify(session, outcome, target, cores)
        elif outcome.status == "verifying":
            with _target(session, verified) as target:
                _verify(session, outcome, target, cores)


def _record_stop(session: MigrationSession, outcome: RunOutcome, error: SceauError) -> None:
    """A run stopped on an error: an alert, with the run left resumable where it stands."""
    with contextlib.suppress(SceauError):  # the store itself may be what failed
        session.events.record(
            RunStopped(
                actor=session.actor,
                run_id=outcome.run_id,
                reason=f"stopped while {outcome.status}: {error.message}",
            )
        )


# --- starting and resuming --------------------------------------------------------------


def _verified(session: MigrationSession, path: Path) -> VerifiedMandate:
    try:
        return load_verified(path, session.engine, now=session.now())
    except MandateError as error:
        digest = _file_sha256(path)
        reason = getattr(error, "reason", "invalid")  # the stable word, for the rules
        session.events.record(
            MandateRefused(actor=session.actor, mandate_sha256=digest, reason=reason)
        )
        raise


def _file_sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _source_table(session: MigrationSession, verified: VerifiedMandate) -> Table:
    mandate = verified.mandate
    location = session.connect_url(mandate.source)
    return source_table(mandate, location, batch_rows=session.settings.batch_rows)


def _guard_drift(
    session: MigrationSession, verified: VerifiedMandate, table: Table
) -> tuple[str, ...]:
    """Refuse a source that changed since signing, on a sample; return the free-text columns
    that move as is, which extraction then checks row by row."""
    session.progress.step("Scanning the source for drift from what was signed…")
    scan = drift_scan(table, _ScanRows(session.progress))
    try:
        check_drift(verified.mandate, scan)
    except DriftError as error:
        _refuse_drift(session, verified, error)
        raise
    mandate = verified.mandate
    session.progress.step(
        f"The source matches the mandate: {len(scan.columns)} columns, "
        f"{len(mandate.moved)} to move, the others stay where they are."
    )
    for rule in mandate.moved:
        if rule.category is not None:
            session.progress.step(
                f"Column {rule.source} moves as {rule.category}, as the controller signed "
                f"(the scan reads {rule.detected}; the reason is in the mandate)."
            )
    return watched_text(mandate, scan)


def _refuse_drift(session: MigrationSession, verified: VerifiedMandate, error: DriftError) -> None:
    """Record the refusal: a source that changed is a drift; a scan that reads an unchanged
    column otherwise than the mandate notes is a decision for the controller."""
    if isinstance(error, ScanDisagreement):
        session.events.record(
            ScanDisagreed(
                actor=session.actor,
                mandate_id=verified.mandate.mandate_id,
                mandate_sha256=verified.sha256,
                column=error.column,
                scanned=error.scanned,
                signed=error.signed,
                reason=error.reason,
            )
        )
        return
    session.events.record(
        DriftRefused(
            actor=session.actor,
            mandate_sha256=verified.sha256,
            column=error.column,
            reason=error.reason,
        )
    )


def _started(session: MigrationSession, verified: VerifiedMandate) -> RunOutcome:
    mandate = verified.mandate
    started = session.now()
    run_id = f"{started:%Y%m%d}-{secrets.token_hex(6)}"
    key_id = f"sceau-run-{run_id}"
    outcome = RunOutcome(
        run_id=run_id,
        verified=verified,
        status="staging",
        source=redact_url(mandate.source),
        destination=redact_url(mandate.destination),
        operator=session.actor,
        key_id=key_id,
        key_provider=session.provider.name,
        started_at=started,
    )
    session.events.record(
        RunStarted(
            actor=session.actor,
            run_id=run_id,
            mandate_sha256=verified.sha256,
            source=outcome.source,
            destination=outcome.destination,
        )
    )
    with session.engine.begin() as connection:
        connection.execute(
            insert(runs).values(
                run_id=run_id,
                mandate_sha256=verified.sha256,
                actor=session.actor,
                status="staging",
                source=outcome.source,
                destination=outcome.destination,
                key_id=key_id,
                key_provider=session.provider.name,
                staging_path=str(_staging_folder(session, run_id)),
                started_at=started,
                retention_until=started + mandate.retention,
            )
        )
    session.progress.step(
        f"Run {run_id} started; its staging key is held by {session.provider.name}."
    )
    return outcome


def _run_key(session: MigrationSession, outcome: RunOutcome) -> bytes:
    """The run's data key; minted when the run has none yet (a run killed while starting)."""
    secret = material.fetch(session.provider, session.engine, outcome.key_id)
    if secret is None:
        secret = material.mint(
            session.provider,
            session.engine,
            session.events,
            outcome.key_id,
            purpose="run",
            owner=outcome.run_id,
            actor=session.actor,
        )
    return secret.value


def _resumed(session: MigrationSession, verified: VerifiedMandate, run_id: str) -> RunOutcome:
    with session.engine.connect() as connection:
        row = connection.execute(select(runs).where(runs.c.run_id == run_id)).mappings().first()
    if row is None:
        raise MigrationError(
            "no run with this id",
            hint="the run id is printed when a run starts, and named in its report",
            where=run_id,
        )
    if row["mandate_sha256"] != verified.sha256:
        raise MigrationError(
            "this run executes another mandate",
            hint="resume it with the mandate file it started with",
            where=run_id,
        )
    if row["status"] in {"shredded", "failed"}:
        raise MigrationError(
            f"this run is {row['status']} and cannot be resumed",
            hint="start a new run"
            if row["status"] == "shredded"
            else "its run.verification_failed event says why; the staging is kept for "
            "investigation until `sceau retention enforce` shreds it",
            where=run_id,
        )
    session.progress.step(f"Resuming run {run_id} (it stopped while {row['status']}).")
    return RunOutcome(
        run_id=run_id,
        verified=verified,
        status=row["status"],
        source=row["source"],
        destination=row["destination"],
        operator=row["actor"],
        key_id=row["key_id"],
        key_provider=row["key_provider"],
        started_at=row["started_at"],
        timings=dict((row["summary"] or {}).get("timings", {})),
    )


# --- the phases -------------------------------------------------------------------------


def _extract(
    session: MigrationSession,
    outcome: RunOutcome,
    plan: Plan,
    staging: Staging,
    table: Table,
    cores: Cores,
) -> None:
    started = time.perf_counter()
    staging.create()
    staging.clear()
    with session.engine.begin() as connection:
        connection.execute(
            delete(checkpoints).where(
                (checkpoints.c.run_id == outcome.run_id) & (checkpoints.c.phase == "staged")
            )
        )
    progress = session.progress
    progress.phase("extract", table.expected_rows)
    batches = batched(table.batches(), session.settings.batch_rows)
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
        record_checkpoint(
            session.engine, outcome.run_id, "staged", done.number, done.digest, done.refused
        )
        progress.rows(done.rows_read)
    progress.phase_done()
    _add_timing(session.engine, outcome, "extract", time.perf_counter() - started)


def _load(session: MigrationSession, outcome: RunOutcome, staging: Staging, target: Target) -> None:
    started = time.perf_counter()
    mandate = outcome.verified.mandate
    target.prepare(create=mandate.create_table)
    staged = checkpoints_of(session.engine, outcome.run_id, "staged")
    recorded = checkpoints_of(session.engine, outcome.run_id, "loaded")
    committed = target.loaded_batches(outcome.run_id)
    _refuse_foreign_rows(target, committed)
    progress = session.progress
    progress.phase("load", sum(d.rows for d, _ in staged.values()))
    to_load = [number for number in sorted(staged) if number not in committed]
    opened = _read_ahead(staging, to_load)
    for number in sorted(staged):
        digest, _ = staged[number]
        if number not in committed:
            # recorded before the write: a batch the trail cannot log never reaches the target
            session.events.record(
                BatchLoaded(
                    actor=session.actor, run_id=outcome.run_id, batch=number, rows=digest.rows
                )
            )
            target.write_batch(outcome.run_id, number, next(opened))
        if number not in recorded:  # the target committed it; the store may not know yet
            record_checkpoint(session.engine, outcome.run_id, "loaded", number, digest, 0)
        progress.rows(digest.rows)
    progress.phase_done()
    _add_timing(session.engine, outcome, "load", time.perf_counter() - started)


def _check_destination(
    session: MigrationSession, verified: VerifiedMandate, run_id: str | None
) -> None:
    """The target reachable, its table there (or created) with the mandate's columns, and
    holding no row but this run's: checked before anything is extracted."""
    with _target(session, verified) as target:
        target.prepare(create=verified.mandate.create_table)
        _refuse_foreign_rows(target, target.loaded_batches(run_id) if run_id else {})


def _refuse_foreign_rows(target: Target, committed: dict[int, int]) -> None:
    if not committed and _holds_rows(target):
        raise TargetError(
            "the target table already holds rows that this run did not load",
            hint="a run loads into an empty table: empty this one or name another in a new "
            "mandate (to finish a stopped run, use --resume)",
            where=target.display,
        )


def _holds_rows(target: Target) -> bool:
    """Whether the table holds any row at all (reads at most its first batch)."""
    rows = target.read_rows()
    try:
        return any(batch.num_rows for batch in itertools.islice(rows, 1))
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _read_ahead(staging: Staging, numbers: list[int]) -> Iterator[pa.RecordBatch]:
    """The staged batches in order, each opened by a thread while the one before is loading
    (decryption and the target's network wait overlap; one batch ahead, memory bounded)."""
    with ThreadPoolExecutor(1) as reader:
        ahead = reader.submit(staging.read, numbers[0]) if numbers else None
        for following in [*numbers[1:], None]:
            assert ahead is not None
            current = ahead.result()
            ahead = reader.submit(staging.read, following) if following is not None else None
            yield current


def _verify(session: MigrationSession, outcome: RunOutcome, target: Target, cores: Cores) -> None:
    started = time.perf_counter()
    staged = checkpoints_of(session.engine, outcome.run_id, "staged")
    expected = sum((digest for digest, _ in staged.values()), Digest())
    session.progress.phase("verify", expected.rows)
    found = Digest()
    for digest in digest_on_cores(cores, target.read_rows()):
        found = found + digest
        session.progress.rows(digest.rows)
    session.progress.phase_done()
    _add_timing(session.engine, outcome, "verify", time.perf_counter() - started)
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
        _set_status(session.engine, outcome, "failed")
        raise MigrationError(
            f"verification failed: {reason}",
            hint="the staging is kept for investigation; an alert was raised",
            where=f"run {outcome.run_id}",
        )
    session.events.record(
        RunVerified(actor=session.actor, run_id=outcome.run_id, rows=found.rows, digest=found.hex)
    )
    _set_status(session.engine, outcome, "verified", finished_at=session.now())
    session.progress.step(
        f"Verified: the target holds exactly the {found.rows:,} rows staged "
        f"(digest {found.hex[:16]}…)."
    )


def _shred(session: MigrationSession, outcome: RunOutcome, *, reason: str) -> None:
    outcome.certificate = shred_run(session, outcome.run_id, reason=reason)
    outcome.status = "shredded"
    outcome.shredded_at = session.now()
    outcome.shredded_by = session.actor
    session.progress.step(
        f"Shredded: the run's key was destroyed at {outcome.key_provider} and the staging deleted."
    )


# --- helpers ----------------------------------------------------------------------------


def _target(session: MigrationSession, verified: VerifiedMandate) -> Target:
    mandate = verified.mandate
    return open_target(
        session.connect_url(mandate.destination),
        TargetTable(mandate.destination_table, mandate.target_columns),
    )


def _staging_folder(session: MigrationSession, run_id: str) -> Path:
    return session.settings.staging_root / run_id


class _ScanRows:
    """Draws the drift scan as a phase of the migration's progress."""

    def __init__(self, progress: MigrateProgress) -> None:
        self.progress = progress

    def table_started(self, name: str, expected_rows: int | None) -> None:
        self.progress.phase("scan", min(expected_rows or DRIFT_SAMPLE_ROWS, DRIFT_SAMPLE_ROWS))

    def rows_read(self, rows: int) -> None:
        self.progress.rows(rows)

    def table_finished(self, scan: object) -> None:
        self.progress.phase_done()


def _set_status(engine: Engine, outcome: RunOutcome, status: str, **values: object) -> str:
    with engine.begin() as connection:
        connection.execute(
            update(runs).where(runs.c.run_id == outcome.run_id).values(status=status, **values)
        )
    outcome.status = status
    if "finished_at" in values:
        outcome.finished_at = values["finished_at"]  # type: ignore[assignment]
    return status


def _add_timing(engine: Engine, outcome: RunOutcome, phase: str, seconds: float) -> None:
    outcome.timings[phase] = round(outcome.timings.get(phase, 0.0) + seconds, 3)
    with engine.begin() as connection:
        connection.execute(
            update(runs)
            .where(runs.c.run_id == outcome.run_id)
            .values(summary={"timings": outcome.timings})
        )


def _fill_totals(engine: Engine, outcome: RunOutcome) -> None:
    staged = checkpoints_of(engine, outcome.run_id, "staged")
    outcome.batches = len(staged)
    outcome.staged = sum((d for d, _ in staged.values()), Digest())
    outcome.refused_rows = sum(refused for _, refused in staged.values())
    outcome.source_rows = outcome.staged.rows + outcome.refused_rows
    loaded = checkpoints_of(engine, outcome.run_id, "loaded")
    if outcome.loaded.rows == 0:
        outcome.loaded = sum((d for d, _ in loaded.values()), Digest())
