"""Alerts in the state store: raised from findings, folded while open, acknowledged, resolved.

A person's answer is an audit event recorded first (fail closed): an acknowledgment the trail
cannot take does not happen. Raising an alert is the one exception: it is recorded when it can
be, but an alert — perhaps about the trail itself — still goes out when it cannot.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import Engine, insert, select, update

from sceau.alerts.model import Alert, Finding, Severity, State, printable
from sceau.errors import SceauError
from sceau.events import AlertAcknowledged, AlertRaised, AlertResolved, EventSink
from sceau.store.schema import alerts

LIVE = (State.OPEN.value, State.ACKNOWLEDGED.value)
QUIET = timedelta(hours=1)
MIN_WHY = 10  # an acknowledged incident quiet this long is over


class AlertError(SceauError):
    """An alert does not exist, or cannot take the change asked of it."""


def raise_alerts(
    engine: Engine, events: EventSink, findings: Sequence[Finding], now: datetime
) -> list[Alert]:
    """New alerts for findings nothing open covers yet; the others are folded into theirs."""
    raised = []
    for finding in findings:
        with engine.begin() as connection:
            states = (
                [s.value for s in State] if finding.once else list(LIVE)
            )  # once: a resolved alert for this key also counts
            existing = connection.execute(
                select(alerts.c.alert_id, alerts.c.state, alerts.c.last_seen)
                .where(alerts.c.rule == finding.rule)
                .where(alerts.c.key == finding.key)
                .where(alerts.c.state.in_(states))
                .order_by(alerts.c.alert_id.desc())
                .limit(1)
            ).one_or_none()
            if existing is not None and _continues(existing.state, existing.last_seen, now):
                if existing.state in LIVE:
                    connection.execute(
                        update(alerts)
                        .where(alerts.c.alert_id == existing.alert_id)
                        .values(count=alerts.c.count + 1, last_seen=now)
                    )
                continue
            alert_id = connection.execute(
                insert(alerts)
                .values(
                    rule=finding.rule,
                    key=finding.key,
                    severity=finding.severity.value,
                    state=State.OPEN.value,
                    summary=finding.summary,
                    facts=dict(finding.facts),
                    count=1,
                    raised_at=now,
                    last_seen=now,
                    tier=0,
                )
                .returning(alerts.c.alert_id)
            ).scalar_one()
        with contextlib.suppress(SceauError):  # see the module's docstring
            events.record(
                AlertRaised(
                    actor="sceau",
                    alert_id=alert_id,
                    rule=finding.rule,
                    severity=finding.severity.value,
                )
            )
        raised.append(get_alert(engine, alert_id))
    return raised


def _continues(state: str, last_seen: datetime, now: datetime) -> bool:
    """Whether a finding belongs to an existing alert: always while it is open (or for a
    ``once`` key); once acknowledged, only while the incident goes on — quiet for an hour and
    back, it is a new incident, and a new alert climbs the ladder again."""
    if state != State.ACKNOWLEDGED.value:
        return True
    return now - last_seen <= QUIET


def get_alert(engine: Engine, alert_id: int) -> Alert:
    with engine.connect() as connection:
        row = connection.execute(select(alerts).where(alerts.c.alert_id == alert_id)).one_or_none()
    if row is None:
        raise AlertError(
            f"there is no alert {alert_id}",
            hint="sceau alerts list shows the open ones and their numbers",
        )
    return _alert(row)


def list_alerts(
    engine: Engine, *, states: Sequence[State] = (State.OPEN, State.ACKNOWLEDGED)
) -> list[Alert]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(alerts)
            .where(alerts.c.state.in_([s.value for s in states]))
            .order_by(alerts.c.alert_id)
        ).all()
    return [_alert(row) for row in rows]


def acknowledge(engine: Engine, events: EventSink, alert_id: int, by: str, now: datetime) -> Alert:
    """A named person is on it: the alert stops climbing."""
    alert = get_alert(engine, alert_id)
    if alert.state is not State.OPEN:
        raise AlertError(
            f"alert {alert_id} is already {alert.state.value}"
            + (f" (by {alert.acked_by})" if alert.acked_by else ""),
            hint="only an open alert can be acknowledged",
        )
    _not_about(alert, by)
    events.record(AlertAcknowledged(actor=by, alert_id=alert_id))
    _set(engine, alert_id, state=State.ACKNOWLEDGED.value, acked_by=by, acked_at=now)
    return get_alert(engine, alert_id)


def resolve(
    engine: Engine, events: EventSink, alert_id: int, by: str, why: str, now: datetime
) -> Alert:
    """Close the alert with who and why. ``why`` is the person's own words: no patient data."""
    alert = get_alert(engine, alert_id)
    if alert.state is State.RESOLVED:
        raise AlertError(
            f"alert {alert_id} was already resolved by {alert.resolved_by}",
            hint=f"sceau alerts show {alert_id} says when and why",
        )
    _not_about(alert, by)
    why = _checked_why(why)
    events.record(AlertResolved(actor=by, alert_id=alert_id, resolution=why))
    values: dict[str, object] = {
        "state": State.RESOLVED.value,
        "resolved_by": by,
        "resolved_at": now,
        "resolution": why,
    }
    if alert.acked_by is None:  # resolving answers it too
        values.update(acked_by=by, acked_at=now)
    _set(engine, alert_id, **values)
    return get_alert(engine, alert_id)


def _not_about(alert: Alert, by: str) -> None:
    """Nobody answers an alert about themselves: a second person must look."""
    if alert.facts.get("actor") == by:
        raise AlertError(
            f"alert {alert.alert_id} is about {by}'s own actions: someone else must answer it",
            hint="ask the security officer or the controller to acknowledge or resolve it",
        )


def _checked_why(why: str) -> str:
    """The reason, kept forever in the sealed trail: a sentence, and no patient's identifier."""
    why = printable(" ".join(why.split()))
    if len(why) < MIN_WHY:
        raise AlertError(
            f"say why the alert is resolved, in a sentence of at least {MIN_WHY} characters",
            hint='for example --why "run 20261123-ab12 shredded by hand after the review"',
        )
    from sceau.protect.redact import redact_identifiers  # the lexicons: slow to load

    # Not dates nor names: a run id holds its date, and the reason may name a colleague.
    patients = {"[NIR]", "[PHONE]", "[EMAIL]", "[IBAN]"}
    if redact_identifiers(pl.Series([why]), only=patients)[0] != why:
        raise AlertError(
            "the reason holds what looks like a patient's identifier (a NIR, a phone number, "
            "an e-mail address…), and the audit trail keeps it forever",
            hint="name the run, the mandate or your ticket instead, never a patient",
        )
    return why


def _set(engine: Engine, alert_id: int, **values: object) -> None:
    with engine.begin() as connection:
        connection.execute(update(alerts).where(alerts.c.alert_id == alert_id).values(**values))


def _alert(row: object) -> Alert:
    data = dict(row._mapping)  # type: ignore[attr-defined]
    data["severity"] = Severity(data["severity"])
    data["state"] = State(data["state"])
    return Alert(**data)
