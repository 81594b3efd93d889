"""audit-verification: the audit log failed its verification.

The log is the evidence of everything else: an entry, a checkpoint or the head that no longer
verifies means it was damaged or tampered with. One finding per ``audit.verification_failed``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext, register


@register
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
            yield Finding(
                rule=self.name,
                severity=self.severity,
                key=f"event:{event.seq}",
                summary=(
                    f"the audit log failed verification at {position} (checked by {event.actor}): "
                    "it may have been tampered with"
                ),
                facts={
                    "seq": event.seq,
                    "actor": event.actor,
                    "position": position,
                    "reason": event.get("reason"),
                    "at": event.at.isoformat(),
                },
            )
