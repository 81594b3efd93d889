"""scan-disagreed: a migration waits for the controller, because the scan reads a column of an
unchanged source otherwise than the signed mandate notes.

This is nobody's misconduct: the scan may be wrong (a login read as a password), or the data
may hold what the scan says. Either way the decision is the controller's, so the alert is low
and names the decision, never the person who ran the migration. A column added or gone is a
drift instead (``beyond-mandate``). One alert per mandate and column, however often it is tried.
"""

from __future__ import annotations

from collections.abc import Iterable

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext


class ScanDisagreed(Rule):
    """A migration refused until the controller decides about a column the scan reads anew."""

    name = "scan-disagreed"
    severity = Severity.LOW
    description = (
        "a migration waits for the controller's decision: the scan reads a column otherwise "
        "than the signed mandate notes"
    )

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        for event in context.new:
            if event.name != "run.scan_disagreed":
                continue
            column = str(event.get("column", ""))
            scanned, signed = str(event.get("scanned", "")), str(event.get("signed", ""))
            mandate = str(event.get("mandate_id", ""))
            yield self.finding(
                key=f"{event.get('mandate_sha256')}:{column}",
                summary=(
                    f"mandate {mandate} waits for the controller's decision: the scan reads "
                    f"column {column} as {scanned} where the mandate notes {signed}; if the "
                    f"scan is wrong, the controller can confirm {signed} with a reason in the "
                    "mandate and sign again, otherwise decide how to treat what the column holds"
                ),
                facts={
                    "seq": event.seq,
                    "mandate_id": mandate,
                    "mandate_sha256": event.get("mandate_sha256"),
                    "column": column,
                    "scanned": scanned,
                    "signed": signed,
                    "at": event.at.isoformat(),
                },
            )
