"""beyond-mandate: someone tried to move data without a valid mandate, or beyond what it covers.

Every ``mandate.refused`` is such an attempt whatever its reason (changed after signing, never
signed, expired, signed by an unknown or revoked key...), and so is ``run.drift_refused``: the
source has a column added or gone since the signature. A scan that reads an unchanged column
otherwise than the mandate notes is no such attempt: that is ``scan-disagreed``, a decision for
the controller. One finding per event.
"""

from __future__ import annotations

from collections.abc import Iterable

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext

# The reason words of sceau.mandate.verify, in words a lab director reads.
WHY = {
    "unreadable": "a mandate that could not be read",
    "unsigned": "a mandate that was never signed",
    "malformed": "a mandate whose signature file is damaged",
    "changed": "a mandate that was changed after it was signed",
    "trail-broken": "a mandate checked while the audit trail does not verify",
    "unknown-signer": "a mandate signed with a key this installation does not know",
    "unproven-signer": "a mandate signed with a key registered outside sceau",
    "signer-mismatch": "a mandate signed with a key the signers table and the trail disagree on",
    "revoked-signer": "a mandate signed with a revoked key",
    "bad-signature": "a mandate whose signature does not match",
    "signer-account": "a mandate whose signer is no longer an active controller",
    "invalid": "a mandate that breaks sceau's rules",
    "not-yet-valid": "a mandate that is not valid yet",
    "expired": "a mandate that has expired",
}


class BeyondMandate(Rule):
    """A migration attempted without a valid mandate, or on a source the mandate does not cover."""

    name = "beyond-mandate"
    severity = Severity.HIGH
    description = (
        "someone tried to run a migration without a valid mandate (changed, unsigned, expired, "
        "badly signed) or on a source that no longer matches the signed mandate"
    )

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        for event in context.new:
            if event.name == "mandate.refused":
                reason = str(event.get("reason", ""))
                why = WHY.get(reason, f"a mandate that sceau refused ({reason})")
                yield self._finding(
                    event.seq,
                    f"{event.actor} tried to run a migration under {why}",
                    actor=event.actor,
                    reason=reason,
                    mandate_sha256=event.get("mandate_sha256"),
                    at=event.at.isoformat(),
                )
            elif event.name == "run.drift_refused":
                column = str(event.get("column", ""))
                yield self._finding(
                    event.seq,
                    f"{event.actor} ran a migration that was refused: its source has a column "
                    f"added or gone since its mandate was signed (column {column})",
                    actor=event.actor,
                    reason="drift",
                    column=column,
                    mandate_sha256=event.get("mandate_sha256"),
                    at=event.at.isoformat(),
                )

    def _finding(self, seq: int, summary: str, **facts: str | None) -> Finding:
        # one alert per person, reason and mandate: a retried attempt is counted, not re-raised
        key = ":".join(str(facts.get(k)) for k in ("actor", "reason", "mandate_sha256", "column"))
        return self.finding(
            key=key,
            summary=summary,
            facts={"seq": seq, **facts},
        )
