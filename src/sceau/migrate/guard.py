"""What stands between a mandate and a run: its signature checked, and the source scanned for
drift from what was signed. Every refusal is recorded in the audit trail before it is raised."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from sceau.detect.report import TableScan
from sceau.events import DriftRefused, EventSink, MandateRefused, ScanDisagreed
from sceau.mandate.model import MandateError
from sceau.mandate.policy import DriftError, ScanDisagreement, check_drift
from sceau.mandate.signature import parse_signature
from sceau.mandate.verify import VerifiedMandate, load_verified, verify_signed
from sceau.migrate.preflight import drift_scan, source_table
from sceau.migrate.session import MigrationSession, Trail
from sceau.sources.base import Table


def verified_mandate(session: MigrationSession, path: Path) -> VerifiedMandate:
    """The mandate at ``path``, verified; a refusal is recorded (with the file's hash)."""
    return _refusal_recorded(
        session.events,
        session.actor,
        lambda: _file_sha256(path),
        lambda: load_verified(path, session.engine, session.events, now=session.now()),
    )


def verified_handed(
    engine: Engine, events: Trail, actor: str, body: bytes, signature: bytes, *, now: datetime
) -> VerifiedMandate:
    """A mandate and its signature handed as bytes (to the service), verified as
    :func:`verified_mandate` verifies a file, before either is written anywhere."""

    def verify() -> VerifiedMandate:
        parsed = parse_signature(signature, "the signature handed")
        return verify_signed(body, parsed, engine, events, where="the mandate handed", now=now)

    return _refusal_recorded(events, actor, lambda: hashlib.sha256(body).hexdigest(), verify)


def _refusal_recorded(
    events: EventSink,
    actor: str,
    digest: Callable[[], str],
    verify: Callable[[], VerifiedMandate],
) -> VerifiedMandate:
    """``verify()``'s mandate; a refusal is recorded (by the mandate's hash and the stable
    reason, for the rules), then raised."""
    try:
        return verify()
    except MandateError as error:
        reason = getattr(error, "reason", "invalid")
        events.record(MandateRefused(actor=actor, mandate_sha256=digest(), reason=reason))
        raise


def _file_sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def mandate_source(session: MigrationSession, verified: VerifiedMandate) -> Table:
    """The one table of the mandate's source, opened with its kept password, if any."""
    mandate = verified.mandate
    location = session.connect_url(mandate.source)
    return source_table(mandate, location, batch_rows=session.settings.batch_rows)


def guard_drift(session: MigrationSession, verified: VerifiedMandate, table: Table) -> TableScan:
    """Refuse a source that changed since signing, on a sample; return the scan it passed
    (which free text moves as is, whose each column is)."""
    session.progress.step("Scanning the source for drift from what was signed…")
    scan = drift_scan(table, session.progress)
    try:
        check_drift(verified.mandate, scan)
    except DriftError as error:
        refuse_drift(session, verified, error)
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
    return scan


def refuse_drift(session: MigrationSession, verified: VerifiedMandate, error: DriftError) -> None:
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
