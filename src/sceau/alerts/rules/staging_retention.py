"""staging-retention: encrypted staging still exists after the mandate's retention ran out.

A state rule: it reads the ``runs`` table, not the audit trail. ``sceau retention enforce``
should have shredded such a run; if it has not, the processor keeps data it may no longer hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from sqlalchemy import select

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext
from sceau.store.schema import runs


class StagingRetention(Rule):
    """A run's staging kept past its retention date."""

    name = "staging-retention"
    severity = Severity.HIGH
    description = "a run's encrypted staging was not shredded by the end of its retention period"

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        query = select(runs.c.run_id, runs.c.actor, runs.c.retention_until).where(
            runs.c.shredded_at.is_(None)
        )
        with context.engine.connect() as connection:
            rows = connection.execute(query).all()
        for run_id, actor, until in sorted(rows):
            if until >= context.now:
                continue
            yield self.finding(
                key=f"run:{run_id}",
                summary=(
                    f"the staging of run {run_id} (started by {actor}) should have been shredded "
                    f"on {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC and still exists"
                ),
                facts={"run_id": run_id, "actor": actor, "retention_until": until.isoformat()},
                once=True,
            )
