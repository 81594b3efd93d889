"""audit-verification: the audit log failed its verification, or the lab's witness refused it.

The log is the evidence of everything else: an entry, a checkpoint or the head that no longer
verifies means it was damaged or tampered with. One finding per ``audit.verification_failed``,
and one per ``audit.witness_refused`` (a checkpoint that does not extend what the witness held:
what ``verify`` cannot see when the trail was re-signed with the audit key).
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
            if event.name == "audit.witness_refused":
                caught = str(event.get("caught", "")) or "a refusal"
                position = f"the witness {event.get('witness', '')} ({caught})"
                reason = f"a checkpoint of {event.get('size', '?')} entries was refused: {caught}"
            elif event.name == "audit.verification_failed":
                position = str(event.get("position", "")) or "an unknown position"
                reason = str(event.get("reason", ""))
            else:
                continue
            yield verification_finding(
                position,
                reason,
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
