"""unverified-run: a run left unverified for too long.

A state rule on the ``runs`` table: a run neither verified, shredded nor abandoned ``hours``
after it started has stopped, failed or been left with its data still staged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, timedelta
from typing import ClassVar, cast

from sqlalchemy import select

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext
from sceau.migrate.state import RunState
from sceau.store.schema import runs

SETTLED = tuple(state.value for state in RunState if state.settled)


class UnverifiedRun(Rule):
    """A run neither verified nor shredded long after it started."""

    name = "unverified-run"
    severity = Severity.MEDIUM
    description = "a migration run was still not verified some hours after it started"
    defaults: ClassVar[Mapping[str, object]] = {"hours": 24}

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        hours = cast(int, self.threshold(context, "hours"))
        cutoff = context.now - timedelta(hours=hours)
        query = select(runs.c.run_id, runs.c.actor, runs.c.status, runs.c.started_at).where(
            runs.c.status.not_in(SETTLED)
        )
        with context.engine.connect() as connection:
            rows = connection.execute(query).all()
        for run_id, actor, status, started in sorted(rows):
            if started >= cutoff:
                continue
            age = int((context.now - started).total_seconds() // 3600)
            yield self.finding(
                key=f"run:{run_id}",
                summary=(
                    f"run {run_id}, started by {actor} on {started.astimezone(UTC):%Y-%m-%d %H:%M} "
                    f"UTC, is still {status} and not verified after {age} hours"
                ),
                facts={
                    "run_id": run_id,
                    "actor": actor,
                    "status": status,
                    "started_at": started.isoformat(),
                    "hours": age,
                },
                once=True,
            )
