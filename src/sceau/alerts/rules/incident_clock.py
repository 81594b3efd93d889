"""incident-clock: a legal clock of an open incident is nearly due, or past due, and not met.

A state rule: it reads the incidents' clocks, whose due times come from the stored moment of
awareness. A clock within ``warn_hours`` of its due time raises a high alert; a clock past due
a critical one (another key, so it climbs the ladder afresh). Each is raised once per clock:
meeting the clock, or closing the incident, ends the findings, and a person resolves the alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, timedelta
from typing import ClassVar, cast

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext
from sceau.trace.incidents import ClockState, open_clocks

_WHAT = {
    "notice": "the processor's notice to the lab",
    "cnil": "the notification to the CNIL",
    "ars": "the report to the health authorities",
}


class IncidentClock(Rule):
    """An incident's clock nearly due (high) or overdue (critical)."""

    name = "incident-clock"
    severity = Severity.CRITICAL
    description = "a legal clock of an open incident is nearly due or past due, and not met"
    defaults: ClassVar[Mapping[str, object]] = {"warn_hours": 12}

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        warn = timedelta(hours=cast(int, self.threshold(context, "warn_hours")))
        for clock in open_clocks(context.engine):
            overdue = clock.state(context.now) is ClockState.OVERDUE
            if not overdue and context.now < clock.due - warn:
                continue
            due = f"{clock.due.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
            what = _WHAT[clock.kind.value]
            yield Finding(
                self.name,
                Severity.CRITICAL if overdue else Severity.HIGH,
                f"incident:{clock.incident_id}:{clock.finess}:{clock.kind.value}:"
                + ("overdue" if overdue else "due"),
                f"incident {clock.incident_id}, lab {clock.finess}: {what} "
                + (f"was due {due} and is not recorded" if overdue else f"is due {due}"),
                {
                    "incident_id": clock.incident_id,
                    "finess": clock.finess,
                    "clock": clock.kind.value,
                    "due": clock.due.isoformat(),
                },
                once=True,
            )
