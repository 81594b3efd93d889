"""What stands between a mandate and a run: its signature checked, and the source scanned for
drift from what was signed. Every refusal is recorded in the audit trail before it is raised."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sceau.events import DriftRefused, MandateRefused, ScanDisagreed
from sceau.mandate.model import MandateError
from sceau.mandate.policy import DriftError, ScanDisagreement, check_drift, watched_text
from sceau.mandate.verify import VerifiedMandate, load_verified
from sceau.migrate.preflight import drift_scan, source_table
from sceau.migrate.session import MigrationSession
from sceau.sources.base import Table


def verified_mandate(session: MigrationSession, path: Path) -> VerifiedMandate:
    """The mandate at ``path``, verified; a refusal is recorded (with the file's hash)."""
    try:
        return load_verified(path, session.engine, session.events, now=session.now())
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


def mandate_source(session: MigrationSession, verified: VerifiedMandate) -> Table:
    """The one table of the mandate's source, opened with its kept password, if any."""
    mandate = verified.mandate
    location = session.connect_url(mandate.source)
    return source_table(mandate, location, batch_rows=session.settings.batch_rows)


def guard_drift(
    session: MigrationSession, verified: VerifiedMandate, table: Table
) -> tuple[str, ...]:
    """Refuse a source that changed since signing, on a sample; return the free-text columns
    that move as is, which extraction then checks row by row."""
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
    return watched_text(mandate, scan)


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
