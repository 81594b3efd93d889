"""Incidents and the three legal clocks, run from the moment of awareness.

Opening an incident records when someone became aware of a breach and which labs (controllers,
by FINESS) it concerns; from that moment three clocks run for each lab:

- ``notice``: the processor's notice to the lab (GDPR art. 33(2), "without undue delay");
- ``cnil``: the lab's notification to the CNIL (GDPR art. 33(1), 72 hours, with the reasons for
  any delay, and complementary notifications later as facts come in);
- ``ars``: the lab's report of a serious incident to the health authorities (code de la santé
  publique L.1111-8-2, "sans délai").

A clock's due time is the stored awareness moment plus the hours in force when the incident
was opened, so a restart, or a later change of the settings, moves no deadline. Meeting a clock
after it is due needs the reasons for the delay (art. 33(1)). The notification drafts
themselves are another room's (``trace/notify``); a clock only records that, when, by whom and
under which reference it was met.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, Engine, RowMapping, delete, insert, select, update

from sceau.config import Settings
from sceau.errors import SceauError
from sceau.events import (
    EventSink,
    IncidentClockMet,
    IncidentClosed,
    IncidentDelayGiven,
    IncidentOpened,
)
from sceau.store.schema import incident_clocks, incidents

CNIL_HOURS = 72  # GDPR art. 33(1): fixed by the regulation, not a setting
_MOST_HOURS = 24 * 31  # a deadline longer than a month is a typo


class IncidentError(SceauError):
    """An incident or clock that does not exist, or a step the law's order does not allow."""


class Nature(StrEnum):
    """What the breach did to the data (the CNIL's form asks which)."""

    CONFIDENTIALITY = "confidentiality"  # read or taken by someone who should not
    INTEGRITY = "integrity"  # changed
    AVAILABILITY = "availability"  # lost or out of reach


class ClockKind(StrEnum):
    NOTICE = "notice"
    CNIL = "cnil"
    ARS = "ars"

    @property
    def action(self) -> str:
        """The roles table's action for meeting this clock or explaining its delay: the
        processor's people record their own notice; the lab's notifications are the lab's."""
        return "incident.notice" if self is ClockKind.NOTICE else "incident.record"


class ClockState(StrEnum):
    RUNNING = "running"  # not met, not yet due
    OVERDUE = "overdue"  # not met, past due
    MET = "met"  # met on time
    LATE = "late"  # met after it was due, with the reasons


@dataclass(frozen=True)
class Deadlines:
    """Hours from awareness to each clock's due time; the CNIL's is the regulation's."""

    notice: int = 24
    ars: int = 24

    @classmethod
    def from_settings(cls, settings: Settings) -> Deadlines:
        return cls(notice=settings.incident_notice_hours, ars=settings.incident_ars_hours)

    def hours(self, kind: ClockKind) -> int:
        chosen = {
            ClockKind.NOTICE: self.notice,
            ClockKind.CNIL: CNIL_HOURS,
            ClockKind.ARS: self.ars,
        }
        hours = chosen[kind]
        if not 0 < hours <= _MOST_HOURS:
            raise IncidentError(
                f"the {kind.value} clock's deadline must be between 1 and {_MOST_HOURS} hours",
                hint="see docs/incidents.md",
                where=f"incident_{kind.value}_hours",
            )
        return hours


@dataclass(frozen=True)
class Clock:
    """One lab's clock of one incident, as stored."""

    incident_id: int
    finess: str
    kind: ClockKind
    hours: int
    aware_at: datetime
    met_at: datetime | None = None
    met_by: str | None = None
    reference: str | None = None
    delay_reason: str | None = None
    delay_by: str | None = None
    complement_at: datetime | None = None
    complement_by: str | None = None
    complement_reference: str | None = None

    @property
    def due(self) -> datetime:
        return self.aware_at + timedelta(hours=self.hours)

    def state(self, now: datetime) -> ClockState:
        if self.met_at is None:
            return ClockState.OVERDUE if now >= self.due else ClockState.RUNNING
        return ClockState.LATE if self.met_at > self.due else ClockState.MET


@dataclass(frozen=True)
class Incident:
    incident_id: int
    title: str
    nature: tuple[Nature, ...]
    aware_at: datetime
    aware_by: str
    trace_sha256: str | None
    opened_by: str
    opened_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    close_reason: str | None
    clocks: tuple[Clock, ...]

    @property
    def labs(self) -> tuple[str, ...]:
        return tuple(sorted({clock.finess for clock in self.clocks}))

    def clock(self, finess: str, kind: ClockKind) -> Clock:
        for clock in self.clocks:
            if clock.finess == finess and clock.kind is kind:
                return clock
        raise IncidentError(
            f"incident {self.incident_id} has no {kind.value} clock for lab {finess}",
            hint=f"its labs are {', '.join(self.labs)}",
            where=f"incident {self.incident_id}",
        )

    def seen_by(self, labs: frozenset[str]) -> Incident:
        """This incident as a member of ``labs`` sees it: only their labs' clocks."""
        return replace(self, clocks=tuple(c for c in self.clocks if c.finess in labs))


def natures(names: Iterable[str]) -> tuple[Nature, ...]:
    """The natures named, in the order the CNIL's form lists them; IncidentError for none or an
    unknown one."""
    chosen = set()
    for name in names:
        try:
            chosen.add(Nature(name.strip().lower()))
        except ValueError:
            raise IncidentError(
                f"unknown nature {name!r}",
                hint="a breach is one or more of: confidentiality, integrity, availability",
            ) from None
    if not chosen:
        raise IncidentError(
            "say what the breach did: confidentiality, integrity or availability (or several)",
            hint="--nature confidentiality",
        )
    return tuple(n for n in Nature if n in chosen)


def labs_of_trace(document: bytes) -> tuple[list[str], str]:
    """The labs (FINESS) whose recorded readings a ``sceau trace`` JSON report names as sources,
    and the report's SHA-256 (kept with the incident, so the two can be matched later)."""
    try:
        report = json.loads(document)
        sources = report["sources"] if report.get("report") == "trace" else None
    except (ValueError, AttributeError, KeyError, TypeError):
        sources = None
    if not isinstance(sources, list):
        raise IncidentError(
            "this is not a sceau trace report in JSON",
            hint="write one with: sceau trace FILE --json report.json",
        )
    labs = sorted(
        {
            s["finess"]
            for s in sources
            if isinstance(s, Mapping) and isinstance(s.get("finess"), str)
        }
    )
    if not labs:
        raise IncidentError(
            "the trace report names no lab: none of its sources belongs to a mandate's controller",
            hint="name the labs concerned with --lab FINESS",
        )
    return labs, hashlib.sha256(document).hexdigest()


def open_incident(
    engine: Engine,
    events: EventSink,
    *,
    title: str,
    labs: Iterable[str],
    nature: tuple[Nature, ...],
    aware_by: str,
    by: str,
    now: datetime,
    aware_at: datetime | None = None,
    deadlines: Deadlines | None = None,
    trace_sha256: str | None = None,
) -> Incident:
    """Record the breach and start every lab's three clocks from ``aware_at`` (default ``now``)."""
    aware = aware_at or now
    if aware > now:
        raise IncidentError(
            "the moment of awareness is in the future",
            hint="give the moment someone learned of the breach, with its time zone",
        )
    concerned = sorted(set(labs))
    if not concerned or not nature or not title.strip():
        raise IncidentError(
            "an incident needs a title, its nature and at least one lab concerned",
            hint="--title, --nature and --lab FINESS (or --from-trace report.json)",
        )
    hours = {kind: (deadlines or Deadlines()).hours(kind) for kind in ClockKind}
    with engine.begin() as connection:
        incident_id = connection.execute(
            insert(incidents).values(
                title=title.strip(),
                nature=",".join(nature),
                aware_at=aware,
                aware_by=aware_by,
                trace_sha256=trace_sha256,
                opened_by=by,
                opened_at=now,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        connection.execute(
            insert(incident_clocks),
            [
                {"incident_id": incident_id, "finess": lab, "clock": kind.value, "hours": h}
                for lab in concerned
                for kind, h in hours.items()
            ],
        )
    try:
        for lab in concerned:
            events.record(
                IncidentOpened(
                    actor=by,
                    at=now,
                    incident_id=incident_id,
                    lab=lab,
                    nature=tuple(nature),
                    aware_at=aware.isoformat(),
                    aware_by=aware_by,
                )
            )
    except BaseException:  # no event, no incident: the trail is the incident's proof
        with engine.begin() as connection:
            connection.execute(
                delete(incident_clocks).where(incident_clocks.c.incident_id == incident_id)
            )
            connection.execute(delete(incidents).where(incidents.c.incident_id == incident_id))
        raise
    return _get(engine, incident_id)


def list_incidents(engine: Engine) -> list[Incident]:
    """Every incident, the latest first."""
    with engine.connect() as connection:
        ids = connection.execute(
            select(incidents.c.incident_id).order_by(incidents.c.incident_id.desc())
        ).scalars()
        found = [_find(connection, incident_id) for incident_id in list(ids)]
    return [incident for incident in found if incident is not None]


def get_incident(engine: Engine, incident_id: int) -> Incident | None:
    with engine.connect() as connection:
        return _find(connection, incident_id)


def record_met(
    engine: Engine,
    events: EventSink,
    incident_id: int,
    finess: str,
    kind: ClockKind,
    *,
    reference: str,
    by: str,
    now: datetime,
    at: datetime | None = None,
    reason: str = "",
    complementary: bool = False,
) -> Clock:
    """Record that ``finess``'s ``kind`` clock was met at ``at`` (default ``now``) under
    ``reference``; after its due time, only with the reasons for the delay (given now as
    ``reason``, or before with :func:`give_delay`). ``complementary``: a later notification
    completing the CNIL's first one."""
    when = at or now
    if not reference.strip():
        raise IncidentError(
            "say under which reference it was sent (the CNIL's notification number, the "
            "letter's or the e-mail's reference)",
            hint="--reference",
        )
    clock = _get(engine, incident_id, open_only=True).clock(finess, kind)
    if not clock.aware_at <= when <= now:
        raise IncidentError(
            "it cannot have been sent before the breach was known, nor in the future",
            hint=f"awareness was at {clock.aware_at:%Y-%m-%d %H:%M} UTC",
        )
    if complementary:
        values = _complement(clock, when, by, reference)
    else:
        values = _met(clock, when, by, reference, reason)
    late = not complementary and when > clock.due
    if reason.strip() and late:
        events.record(_delay_event(clock, reason.strip(), by, now))
    events.record(
        IncidentClockMet(
            actor=by,
            at=now,
            incident_id=incident_id,
            lab=finess,
            clock=kind.value,
            reference=reference.strip(),
            late=late,
            complementary=complementary,
        )
    )
    return _update(engine, clock, values)


def give_delay(
    engine: Engine,
    events: EventSink,
    incident_id: int,
    finess: str,
    kind: ClockKind,
    *,
    reason: str,
    by: str,
    now: datetime,
) -> Clock:
    """Record why ``finess``'s ``kind`` clock is (or will be) met late; a later reason replaces
    the earlier one in the incident and both stay in the audit trail."""
    if not reason.strip():
        raise IncidentError("give the reasons for the delay in words", hint="--reason")
    clock = _get(engine, incident_id, open_only=True).clock(finess, kind)
    events.record(_delay_event(clock, reason.strip(), by, now))
    return _update(engine, clock, {"delay_reason": reason.strip(), "delay_by": by})


def close_incident(
    engine: Engine, events: EventSink, incident_id: int, *, reason: str, by: str, now: datetime
) -> Incident:
    """End the response: its clocks stop raising alerts. The reason says why any clock left
    unmet was not needed (GDPR art. 33(1): a breach unlikely to result in a risk)."""
    if not reason.strip():
        raise IncidentError("say why the incident is closed", hint="--reason")
    incident = _get(engine, incident_id, open_only=True)
    for lab in incident.labs:
        events.record(
            IncidentClosed(
                actor=by, at=now, incident_id=incident_id, lab=lab, reason=reason.strip()
            )
        )
    with engine.begin() as connection:
        connection.execute(
            update(incidents)
            .where(incidents.c.incident_id == incident_id)
            .values(closed_by=by, closed_at=now, close_reason=reason.strip())
        )
    return _get(engine, incident_id)


def open_clocks(engine: Engine) -> list[Clock]:
    """Every clock not yet met of every incident still open (what the alert rule watches)."""
    query = (
        select(incident_clocks, incidents.c.aware_at)
        .join(incidents, incidents.c.incident_id == incident_clocks.c.incident_id)
        .where(incidents.c.closed_at.is_(None), incident_clocks.c.met_at.is_(None))
        .order_by(incident_clocks.c.incident_id, incident_clocks.c.finess)
    )
    with engine.connect() as connection:
        return [_clock(row._mapping) for row in connection.execute(query)]


def _met(clock: Clock, when: datetime, by: str, reference: str, reason: str) -> dict[str, object]:
    if clock.met_at is not None:
        raise IncidentError(
            f"the {clock.kind.value} clock of lab {clock.finess} was already met",
            hint="a later notification to the CNIL is recorded as complementary",
        )
    values: dict[str, object] = {"met_at": when, "met_by": by, "reference": reference.strip()}
    if when > clock.due:
        if reason.strip():
            values |= {"delay_reason": reason.strip(), "delay_by": by}
        elif not clock.delay_reason:
            raise IncidentError(
                f"the {clock.kind.value} clock of lab {clock.finess} was due "
                f"{clock.due:%Y-%m-%d %H:%M} UTC: a late notification must give the reasons "
                "for the delay (GDPR art. 33(1))",
                hint="--reason, in words the regulator will read",
            )
    return values


def _complement(clock: Clock, when: datetime, by: str, reference: str) -> dict[str, object]:
    if clock.kind is not ClockKind.CNIL or clock.met_at is None:
        raise IncidentError(
            "a complementary notification follows the CNIL notification itself",
            hint="record the CNIL notification first (sceau incident met ID cnil)",
        )
    return {"complement_at": when, "complement_by": by, "complement_reference": reference.strip()}


def _delay_event(clock: Clock, reason: str, by: str, now: datetime) -> IncidentDelayGiven:
    return IncidentDelayGiven(
        actor=by,
        at=now,
        incident_id=clock.incident_id,
        lab=clock.finess,
        clock=clock.kind.value,
        reason=reason,
    )


def _update(engine: Engine, clock: Clock, values: Mapping[str, object]) -> Clock:
    with engine.begin() as connection:
        connection.execute(
            update(incident_clocks)
            .where(
                incident_clocks.c.incident_id == clock.incident_id,
                incident_clocks.c.finess == clock.finess,
                incident_clocks.c.clock == clock.kind.value,
            )
            .values(**values)
        )
    return _get(engine, clock.incident_id).clock(clock.finess, clock.kind)


def _get(engine: Engine, incident_id: int, *, open_only: bool = False) -> Incident:
    """The incident ``incident_id``; IncidentError if there is none, or (``open_only``) if it
    is closed."""
    incident = get_incident(engine, incident_id)
    if incident is None:
        raise IncidentError(
            f"no incident number {incident_id}",
            hint="sceau incident list shows them",
            where=f"incident {incident_id}",
        )
    if open_only and incident.closed_at is not None:
        raise IncidentError(
            f"incident {incident_id} is closed",
            hint="open a new incident for what was learned since",
            where=f"incident {incident_id}",
        )
    return incident


def _find(connection: Connection, incident_id: int) -> Incident | None:
    row = connection.execute(
        select(incidents).where(incidents.c.incident_id == incident_id)
    ).first()
    if row is None:
        return None
    clocks = connection.execute(
        select(incident_clocks, incidents.c.aware_at)
        .join(incidents, incidents.c.incident_id == incident_clocks.c.incident_id)
        .where(incident_clocks.c.incident_id == incident_id)
    )
    order = list(ClockKind)
    return Incident(
        incident_id=row.incident_id,
        title=row.title,
        nature=tuple(Nature(n) for n in row.nature.split(",")),
        aware_at=row.aware_at,
        aware_by=row.aware_by,
        trace_sha256=row.trace_sha256,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        close_reason=row.close_reason,
        clocks=tuple(
            sorted(
                (_clock(c._mapping) for c in clocks),
                key=lambda c: (c.finess, order.index(c.kind)),
            )
        ),
    )


def _clock(row: RowMapping) -> Clock:
    values = dict(row)
    values["kind"] = ClockKind(str(values.pop("clock")))
    return Clock(**values)
