"""The driver of a migration: it owns I/O, checkpoints and events; the stages stay pure.

    verify the mandate → scan the source (drift guard) → start a run (its own key)
    → extract: read, minimise, protect, seal each batch into staging      (state staging)
    → load: each staged batch into the target, with its checkpoint         (state loading)
    → verify: counts and digest of the target against the staging          (state verifying)
    → shred: destroy the run's key, delete the staging, sign a certificate (state shredded)

A run killed anywhere resumes with ``migrate(..., resume=run_id)``. Extraction is redone from
the start if it had not finished (nothing has reached the target yet); loading skips every batch
the target itself records as committed, so each row is loaded exactly once. A stop requested
through the session's :class:`~sceau.migrate.session.StopRequest` ends the run after a batch's
checkpoint, in the state ``stopped``, from which ``resume`` takes it back where it was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sceau.errors import SceauError
from sceau.events import RunStarted, RunStopped
from sceau.keys import material
from sceau.mandate.policy import DriftError, watched_text
from sceau.mandate.verify import VerifiedMandate
from sceau.migrate import phases, runs
from sceau.migrate.errors import MigrationError, StopNow, StoppedOnRequest
from sceau.migrate.guard import guard_drift, mandate_source, refuse_drift, verified_mandate
from sceau.migrate.outcome import RunOutcome
from sceau.migrate.plan import Plan
from sceau.migrate.preflight import check_destination
from sceau.migrate.session import MigrationSession
from sceau.migrate.shred import shred_run
from sceau.migrate.staging import Staging
from sceau.migrate.state import RunState
from sceau.migrate.tracing import identity_columns, run_tracing
from sceau.migrate.verify import Digest
from sceau.migrate.workers import PARALLEL_FROM_ROWS, Cores
from sceau.sources.base import Table
from sceau.trace.identity import IdentityColumns
from sceau.urls import redact_url

__all__ = ["MigrationError", "RunOutcome", "migrate"]


@dataclass(frozen=True)
class _Extraction:
    """What extraction reads: the source table, the free-text columns checked row by row, and
    the patient's identifier columns the run records in the trace index."""

    table: Table
    watched: tuple[str, ...]
    identity: IdentityColumns


def migrate(
    session: MigrationSession, mandate_path: Path, *, resume: str | None = None
) -> RunOutcome:
    """Run the mandate at ``mandate_path`` (or resume run ``resume`` of it) to its end."""
    verified = verified_mandate(session, mandate_path)
    mandate = verified.mandate
    session.progress.step(
        f"Mandate {mandate.mandate_id} verified: signed by {verified.signer} for "
        f"{mandate.controller.name}, valid until {mandate.valid_until:%Y-%m-%d}."
    )
    check_destination(mandate)  # the names the target must hold, before the source is read
    root = session.settings.staging_root
    if resume:
        with runs.run_lock(root, resume):
            outcome = _resumed(session, verified, resume)
            if outcome.status is not RunState.STAGING:  # the source is not read after extraction
                return _drive(session, mandate_path, outcome, None)
            extraction = _extraction(session, verified)
            phases.check_destination(session, verified, resume)
            return _drive(session, mandate_path, outcome, extraction)
    _refuse_unfinished(session, verified, mandate_path)
    extraction = _extraction(session, verified)
    # before a run exists: a wrong destination costs nothing
    phases.check_destination(session, verified, None)
    if session.stop.requested:
        raise StoppedOnRequest(None, str(mandate_path))
    outcome = _started(session, verified)
    with runs.run_lock(root, outcome.run_id):
        return _drive(session, mandate_path, outcome, extraction)


def _drive(
    session: MigrationSession,
    mandate_path: Path,
    outcome: RunOutcome,
    extraction: _Extraction | None,
) -> RunOutcome:
    """The run's phases from where it stands, then shredding; an error leaves an alert."""
    try:
        _run_phases(session, outcome, extraction)
    except StopNow:
        _stop(session, outcome, "stopped on request")
        phases.move(
            session, outcome, RunState.STOPPED, summary={"stopped_while": outcome.status.value}
        )
        raise StoppedOnRequest(outcome.run_id, str(mandate_path)) from None
    except SceauError as error:
        if outcome.status.driving:  # failed and shredded runs raised their own alert
            with contextlib.suppress(SceauError):  # the store itself may be what failed
                _stop(session, outcome, error.message)
        raise
    _fill_totals(session, outcome)
    if outcome.status is RunState.VERIFIED:
        _shred(session, outcome, reason="verified")
    return outcome


def _run_phases(
    session: MigrationSession, outcome: RunOutcome, extraction: _Extraction | None
) -> None:
    """Extract (when the run is still staging), load and verify."""
    verified = outcome.verified
    if extraction is not None:
        expected = extraction.table.expected_rows
    else:
        expected = runs.total(session.engine, outcome.run_id, "staged").rows
    workers = (os.cpu_count() or 1) if (expected or 0) >= PARALLEL_FROM_ROWS else 1
    if outcome.status is RunState.VERIFIED:  # killed while shredding: that is what is left
        return
    with Cores(workers) as cores:
        if outcome.status is RunState.VERIFYING:
            with phases.open_mandate_target(session, verified) as target:
                phases.verify(session, outcome, target, cores)
            return
        staging = Staging(
            _staging_folder(session, outcome.run_id), outcome.run_id, _run_key(session, outcome)
        )
        if extraction is not None:
            _extract(session, outcome, extraction, staging, cores)
            phases.move(session, outcome, RunState.LOADING)
        with phases.open_mandate_target(session, verified) as target:
            phases.load(session, outcome, staging, target)
            phases.move(session, outcome, RunState.VERIFYING)
            phases.verify(session, outcome, target, cores)


def _extract(
    session: MigrationSession,
    outcome: RunOutcome,
    extraction: _Extraction,
    staging: Staging,
    cores: Cores,
) -> None:
    """Extraction with the controller's keys; a drift found in the data shreds what was staged."""
    verified = outcome.verified
    keys = material.controller_keys(
        session.provider,
        session.engine,
        session.events,
        verified.mandate.controller.finess or "",
        actor=session.actor,
    )
    plan = Plan(verified.mandate, verified.sha256, keys, extraction.watched)
    tracing = run_tracing(session, outcome, staging, extraction.identity)
    try:
        phases.extract(session, outcome, plan, staging, extraction.table, cores, tracing)
    except DriftError as error:
        refuse_drift(session, verified, error)
        _shred(session, outcome, reason="refused")  # what was staged is useless
        raise
    if tracing is not None:  # before loading: a run resumed from there has its record
        staged = runs.checkpoints_of(session.engine, outcome.run_id, "staged")
        read = sum(digest.rows + refused for digest, refused in staged.values())
        recorded = tracing.record(sorted(staged), read)
        if recorded is not None:
            session.progress.step(
                f"Recorded in the trace index as reading #{recorded.record_id}: "
                f"{recorded.fingerprints:,} fingerprints of the people in the {read:,} rows read."
            )


def _stop(session: MigrationSession, outcome: RunOutcome, why: str) -> None:
    """An alert for a run left where it stands, resumable."""
    session.events.record(
        RunStopped(
            actor=session.actor,
            run_id=outcome.run_id,
            reason=f"stopped while {outcome.status}: {why}",
        )
    )


# --- starting and resuming --------------------------------------------------------------


def _extraction(session: MigrationSession, verified: VerifiedMandate) -> _Extraction:
    table = mandate_source(session, verified)
    scan = guard_drift(session, verified, table)
    mandate = verified.mandate
    return _Extraction(table, watched_text(mandate, scan), identity_columns(mandate, scan))


def _refuse_unfinished(session: MigrationSession, verified: VerifiedMandate, path: Path) -> None:
    """One run of a mandate at a time: a run that has not finished is resumed or abandoned."""
    for record in runs.unfinished_runs(session.engine, verified.sha256):
        raise MigrationError(
            f"this mandate already has a run that has not finished (run {record.run_id}, "
            f"{record.state})",
            hint=f"resume it with `sceau migrate {path} --resume {record.run_id}`, or give it "
            f"up with `sceau runs abandon {record.run_id}`; then start a new run if needed",
            where=f"mandate {verified.mandate.mandate_id}",
        )


def _started(session: MigrationSession, verified: VerifiedMandate) -> RunOutcome:
    mandate = verified.mandate
    started = session.now()
    run_id = f"{started:%Y%m%d}-{secrets.token_hex(6)}"
    outcome = RunOutcome(
        run_id=run_id,
        verified=verified,
        status=RunState.STAGING,
        source=redact_url(mandate.source),
        destination=redact_url(mandate.destination),
        operator=session.actor,
        key_id=f"sceau-run-{run_id}",
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
    runs.create_run(
        session.engine,
        runs.RunRecord(
            run_id=run_id,
            mandate_sha256=verified.sha256,
            actor=session.actor,
            state=outcome.status,
            source=outcome.source,
            destination=outcome.destination,
            key_id=outcome.key_id,
            key_provider=outcome.key_provider,
            staging_path=str(_staging_folder(session, run_id)),
            started_at=started,
            retention_until=started + mandate.retention,
        ),
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
    record = runs.find_run(session.engine, run_id)
    if record is None:
        raise MigrationError(
            "no run with this id",
            hint="`sceau runs list` shows every run; the id is printed when a run starts",
            where=run_id,
        )
    if record.mandate_sha256 != verified.sha256:
        raise MigrationError(
            "this run executes another mandate",
            hint="resume it with the mandate file it started with",
            where=run_id,
        )
    if not record.state.resumable:
        raise MigrationError(
            f"this run is {record.state} and cannot be resumed",
            hint=_why_not_resumable(record.state),
            where=run_id,
        )
    outcome = RunOutcome(
        run_id=run_id,
        verified=verified,
        status=record.state,
        source=record.source,
        destination=record.destination,
        connected_to=list(record.summary.get("connected_to", [])),
        operator=record.actor,
        key_id=record.key_id,
        key_provider=record.key_provider,
        started_at=record.started_at,
        finished_at=record.finished_at,
        timings=dict(record.summary.get("timings", {})),
    )
    phase = record.stopped_while or record.state
    session.progress.step(f"Resuming run {run_id} (it stopped while {phase}).")
    if record.state is RunState.STOPPED:
        phases.move(session, outcome, phase)
    return outcome


def _why_not_resumable(state: RunState) -> str:
    if state is RunState.FAILED:
        return (
            "its run.verification_failed event says why; the staging is kept for investigation "
            "until `sceau runs abandon` or `sceau retention enforce` shreds it"
        )
    return "start a new run"


def _shred(session: MigrationSession, outcome: RunOutcome, *, reason: str) -> None:
    outcome.certificate = shred_run(session, outcome.run_id, reason=reason)
    outcome.status = RunState.SHREDDED
    outcome.shredded_at = session.now()
    outcome.shredded_by = session.actor
    session.progress.step(
        f"Shredded: the run's key was destroyed at {outcome.key_provider} and the staging deleted."
    )


def _staging_folder(session: MigrationSession, run_id: str) -> Path:
    return session.settings.staging_root / run_id


def _fill_totals(session: MigrationSession, outcome: RunOutcome) -> None:
    staged = runs.checkpoints_of(session.engine, outcome.run_id, "staged")
    outcome.batches = len(staged)
    outcome.staged = sum((d for d, _ in staged.values()), Digest())
    outcome.refused_rows = sum(refused for _, refused in staged.values())
    outcome.source_rows = outcome.staged.rows + outcome.refused_rows
    if outcome.loaded.rows == 0:
        outcome.loaded = runs.total(session.engine, outcome.run_id, "loaded")
