"""off-hours: a person touched data or keys outside working hours.

Working hours are local (``timezone``, default Europe/Paris): from ``start`` to ``end`` on
``days``. An ``end`` before ``start`` spans midnight (a night shift); ``end = "24:00"`` runs to
midnight, so ``"00:00"`` to ``"24:00"`` every day is a lab that works around the clock. Only
people count: the system account ``sceau`` runs scheduled jobs at night by design. One finding
per person per local day, so a late evening of work is one alert, not one per command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, time
from typing import ClassVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext, RuleError
from sceau.audit.entry import LoggedEvent

SYSTEM = "sceau"
PREFIXES = ("run.", "scan.", "key.", "mandate.")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])\Z")
AROUND_THE_CLOCK: Mapping[str, object] = {"start": "00:00", "end": "24:00", "days": "mon-sun"}


def touches_data(event: LoggedEvent) -> bool:
    """Events that read, move or unlock data, and logins."""
    return event.name.startswith(PREFIXES) or event.name == "auth.login"


def parse_clock(text: str, where: str, *, midnight: bool = False) -> time:
    """``"07:00"`` as a time; with ``midnight``, ``"24:00"`` too (the end of the day, as
    ``time.max``); RuleError otherwise."""
    if midnight and text.strip() == "24:00":
        return time.max
    match = _CLOCK.match(text.strip())
    if not match:
        raise RuleError(
            "must be a time of day written HH:MM", hint='for example "07:00"', where=where
        )
    return time(int(match[1]), int(match[2]))


def parse_days(text: str, where: str) -> frozenset[int]:
    """``"mon-fri"`` or ``"mon,wed,fri"`` or ``"mon-fri,sat"`` as weekday numbers (Monday 0)."""
    found: set[int] = set()
    for part in filter(None, (item.strip().lower() for item in text.split(","))):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise RuleError(
                "must list days as mon, tue, wed, thu, fri, sat, sun, or ranges of them",
                hint='for example "mon-fri" or "mon-fri,sat"',
                where=where,
            )
        start, stop = DAYS.index(first), DAYS.index(last or first)
        found.update((start + step) % 7 for step in range((stop - start) % 7 + 1))
    if not found:
        raise RuleError("names no working day", hint='for example "mon-fri"', where=where)
    return frozenset(found)


def parse_zone(text: str, where: str) -> ZoneInfo:
    """The IANA time zone ``text``; RuleError for an unknown name."""
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleError(
            "is not a known time zone",
            hint='use an IANA name such as "Europe/Paris"',
            where=where,
        ) from None


class OffHours(Rule):
    """Activity by a person outside the lab's working hours."""

    name = "off-hours"
    severity = Severity.MEDIUM
    description = (
        "a person scanned, migrated, handled keys or mandates, or logged in outside working hours"
    )
    defaults: ClassVar[Mapping[str, object]] = {
        "timezone": "Europe/Paris",
        "start": "07:00",
        "end": "20:00",
        "days": "mon-fri",
    }

    @classmethod
    def check(cls, thresholds: Mapping[str, object]) -> None:
        super().check(thresholds)
        cls._hours(thresholds)

    @classmethod
    def _hours(cls, values: Mapping[str, object]) -> tuple[ZoneInfo, time, time, frozenset[int]]:
        def text(key: str) -> str:
            return cast(str, values.get(key, cls.defaults[key]))

        def where(key: str) -> str:
            return f"alerts.rules.{cls.name}.{key}"

        start = parse_clock(text("start"), where("start"))
        end = parse_clock(text("end"), where("end"), midnight=True)
        if start == end:
            raise RuleError(
                "working hours must not start and end at the same time",
                hint="set end to when the working day ends",
                where=where("end"),
            )
        return (
            parse_zone(text("timezone"), where("timezone")),
            start,
            end,
            parse_days(text("days"), where("days")),
        )

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        zone, start, end, days = self._hours(context.thresholds)
        seen: dict[tuple[str, str], list[datetime]] = {}
        for event in context.new:
            if event.actor == SYSTEM or not touches_data(event):
                continue
            local = event.at.astimezone(zone)
            if _working(local, start, end, days):
                continue
            seen.setdefault((event.actor, local.date().isoformat()), []).append(local)
        for (actor, day), moments in seen.items():
            first, last = min(moments), max(moments)
            yield self.finding(
                key=f"actor:{actor}:{day}",
                summary=(
                    f"{actor} worked outside working hours on {day}: {len(moments)} "
                    f"{'action' if len(moments) == 1 else 'actions'} between {first:%H:%M} and "
                    f"{last:%H:%M} ({zone.key} time)"
                ),
                facts={
                    "actor": actor,
                    "date": day,
                    "actions": len(moments),
                    "first": first.isoformat(),
                    "last": last.isoformat(),
                    "timezone": zone.key,
                },
            )


def _working(local: datetime, start: time, end: time, days: frozenset[int]) -> bool:
    moment = local.time().replace(tzinfo=None)
    if start < end:
        return local.weekday() in days and start <= moment and (moment < end or end == time.max)
    # A night shift: the hours after start belong to that day, those before end to the day before.
    if moment >= start:
        return local.weekday() in days
    return moment < end and (local.weekday() - 1) % 7 in days
