"""A rule plug-in: mandates refused again and again, as someone trying their luck would."""

from collections.abc import Iterable
from datetime import timedelta
from typing import ClassVar

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext


class Refusals(Rule):
    """At least ``count`` refused mandates within ``minutes``."""

    name = "refusals"
    severity = Severity.MEDIUM
    description = "mandates were refused at least `count` times within `minutes` minutes"
    defaults: ClassVar[dict[str, object]] = {"count": 3, "minutes": 60}

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        minutes = int(self.threshold(context, "minutes"))  # type: ignore[call-overload]
        since = context.now - timedelta(minutes=minutes)
        refused = context.events(since, frozenset({"mandate.refused"}))
        if refused and len(refused) >= int(self.threshold(context, "count")):  # type: ignore[call-overload]
            yield Finding(
                rule=self.name,
                severity=self.severity,
                key=f"refusals:{refused[-1].seq}",
                summary=f"{len(refused)} mandates were refused in the last {minutes} minutes",
                facts={"count": len(refused)},
            )
