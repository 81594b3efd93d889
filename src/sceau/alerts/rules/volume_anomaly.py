"""volume-anomaly: an operator reads far more rows in an hour than they usually do.

Volume is the sum of ``rows`` over ``run.batch_staged`` events, per actor and per clock hour
(UTC). The baseline is the mean of that operator's active hours over the last ``baseline_days``;
an hour fires above ``factor`` times the baseline and above ``min_rows``. An operator with no
baseline yet (a new account) fires only above ``first_hour_rows``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import ClassVar, cast

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext

STAGED = frozenset({"run.batch_staged"})


def clock_hour(moment: datetime) -> datetime:
    """The UTC hour ``moment`` falls in: volumes are counted per clock hour."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class VolumeAnomaly(Rule):
    """Rows read per operator per hour, against that operator's own baseline."""

    name = "volume-anomaly"
    severity = Severity.HIGH
    description = (
        "an operator read far more rows in one hour than they usually do (a bulk extraction)"
    )
    defaults: ClassVar[Mapping[str, object]] = {
        "baseline_days": 14,
        "factor": 3.0,
        "min_rows": 100_000,
        "first_hour_rows": 2_000_000,
    }

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        days = cast(int, self.threshold(context, "baseline_days"))
        factor = cast(float, self.threshold(context, "factor"))
        min_rows = cast(int, self.threshold(context, "min_rows"))
        first_hour_rows = cast(int, self.threshold(context, "first_hour_rows"))
        current = sorted(
            {(event.actor, clock_hour(event.at)) for event in context.new if event.name in STAGED}
        )
        if not current:
            return
        earliest = min(hour for _, hour in current) - timedelta(days=days)
        volumes: dict[tuple[str, datetime], int] = defaultdict(int)
        for event in context.events(earliest, STAGED):
            volumes[(event.actor, clock_hour(event.at))] += int(event.get("rows", 0) or 0)
        for actor, hour in current:
            volume = volumes[(actor, hour)]
            since = hour - timedelta(days=days)
            past = [
                rows
                for (who, when), rows in volumes.items()
                if who == actor and since <= when < hour and rows > 0
            ]
            baseline = sum(past) / len(past) if past else None
            if baseline is None:
                if volume <= first_hour_rows:
                    continue
                usual = f"no usual volume yet (new operator; the limit is {first_hour_rows:,})"
            elif volume > factor * baseline and volume > min_rows:
                usual = f"usually {round(baseline):,} an hour over the last {days} days"
            else:
                continue
            yield self.finding(
                key=f"operator:{actor}:{hour.isoformat()}",
                summary=(
                    f"{actor} read {volume:,} rows in the hour from {hour:%Y-%m-%d %H:00} UTC, "
                    f"{usual}"
                ),
                facts={
                    "actor": actor,
                    "hour": hour.isoformat(),
                    "rows": volume,
                    "baseline_rows": round(baseline) if baseline is not None else None,
                    "active_hours": len(past),
                    "factor": factor,
                },
            )
