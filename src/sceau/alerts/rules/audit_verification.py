"""audit-verification: the audit log failed its verification.

The log is the evidence of everything else: an entry, a checkpoint or the head that no longer
verifies means it was damaged or tampered with. One finding per ``audit.verification_failed``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sceau.alerts.model import Fact, Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext


class AuditVerification(Rule):
    """A failed verification of the audit log."""

    name = "audit-verification"
    severity = Severity.CRITICAL
    description = "the audit log failed verification: it was damaged or tampered with"

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        for event in context.new:
            if event.name != "audit.verification_failed":
                continue
            position = str(event.get("position", "")) or "an unknown position"
            yield verification_finding(
                position,
                str(event.get("reason", "")),
                by=event.actor,
                key=f"event:{event.seq}",
                facts={"seq": event.seq, "at": event.at.isoformat()},
            )


def verification_finding(
    position: str,
    reason: str,
    *,
    by: str,
    key: str = "",
    facts: dict[str, Fact] | None = None,
) -> Finding:
    """The finding for a failed verification; also raised directly when the trail itself
    refuses to record the failure (``key`` then names the position)."""
    return Finding(
        rule=AuditVerification.name,
        severity=AuditVerification.severity,
        key=key or f"position:{position}",
        summary=(
            f"the audit log failed verification at {position} (checked by {by}): "
            "it may have been tampered with"
        ),
        facts={"checked_by": by, "position": position, "reason": reason, **(facts or {})},
    )
