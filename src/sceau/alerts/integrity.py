"""The alerts table held to the sealed trail: a row deleted, reopened or answered outside sceau.

The ``alerts`` table changes as alerts climb and are answered, so no trigger can freeze it; but
every alert raised and every answer is also an audit event, sealed. Each supervision round
compares the two, and a row that no longer tells what the trail recorded is an alert itself.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine, select

from sceau.alerts.model import Finding, State
from sceau.alerts.rules.audit_verification import AuditVerification
from sceau.audit.sink import AuditLog
from sceau.store.schema import alerts

_ANSWERS = {"alert.acknowledged": State.ACKNOWLEDGED, "alert.resolved": State.RESOLVED}


def altered_alerts(engine: Engine, log: AuditLog) -> list[Finding]:
    """A finding for each alert whose row disagrees with the trail's record of it."""
    raised: Counter[int] = Counter()
    answered: dict[int, State] = {}
    names = {"alert.raised", *_ANSWERS}
    for event in log.read(names=names):
        alert_id = int(event.get("alert_id", -1))
        if event.name == "alert.raised":
            raised[alert_id] += 1
        elif answered.get(alert_id) is not State.RESOLVED:
            answered[alert_id] = _ANSWERS[event.name]
    with engine.connect() as connection:
        rows = dict(connection.execute(select(alerts.c.alert_id, alerts.c.state)).all())
    found = []
    for alert_id, times in sorted(raised.items()):
        if alert_id not in rows:
            found.append(_finding(alert_id, "deleted", "its row was deleted"))
        elif times > 1:
            found.append(_finding(alert_id, "reused", "its number was given to a new alert"))
    for alert_id, state in sorted(rows.items()):
        recorded = answered.get(alert_id, State.OPEN)
        if State(state) is not recorded:
            found.append(
                _finding(
                    alert_id,
                    f"{state}-not-{recorded.value}",
                    f"its row says {state}, the sealed trail says {recorded.value}",
                )
            )
    return found


def _finding(alert_id: int, kind: str, what: str) -> Finding:
    return Finding(
        rule=AuditVerification.name,
        severity=AuditVerification.severity,
        key=f"alert:{alert_id}:{kind}",
        summary=(
            f"alert {alert_id} was changed outside sceau: {what} (the alerts table no longer "
            "matches the audit trail)"
        ),
        facts={"alert_id": alert_id, "change": kind},
        once=True,
    )
