"""unnamed-destination: a run wrote to a destination that no mandate in the store names.

Each new ``run.started`` carries its destination without password (``redact_url``); it is
compared with the destination of every mandate in the ``mandates`` table, redacted the same
way. A stored mandate that no longer parses names nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext
from sceau.mandate.model import MandateError
from sceau.mandate.parse import parse_mandate
from sceau.store.schema import mandates
from sceau.urls import redact_url


def mandated_destinations(engine: Engine) -> frozenset[str]:
    """Every destination a stored mandate names, without password."""
    with engine.connect() as connection:
        bodies = connection.execute(select(mandates.c.sha256, mandates.c.body)).all()
    named = set()
    for sha256, body in bodies:
        try:
            mandate = parse_mandate(body.encode("utf-8"), where=f"mandate {sha256}")
        except MandateError:
            continue
        named.add(redact_url(mandate.destination))
    return frozenset(named)


class UnnamedDestination(Rule):
    """Output to a destination that no mandate names."""

    name = "unnamed-destination"
    severity = Severity.CRITICAL
    description = "a migration run started writing to a destination that no signed mandate names"

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        started = [event for event in context.new if event.name == "run.started"]
        if not started:
            return
        named = mandated_destinations(context.engine)
        for event in started:
            destination = str(event.get("destination", ""))
            if destination in named:
                continue
            run_id = str(event.get("run_id", ""))
            yield self.finding(
                key=f"event:{event.seq}",
                summary=(
                    f"{event.actor} started run {run_id} writing to {destination}, "
                    "a destination that no mandate names"
                ),
                facts={
                    "seq": event.seq,
                    "actor": event.actor,
                    "run_id": run_id,
                    "destination": destination,
                    "mandate_sha256": event.get("mandate_sha256"),
                },
            )
