"""Escalation: an open alert climbs its severity's ladder until someone acknowledges it.

Each round (:func:`escalate`, called by ``sceau alerts run``) looks at every open alert:

- never told anyone: its ladder's first tier is notified, with that tier's deadline;
- past its deadline: the next tier is notified (on the last tier, the last tier again);
- if no recipient of a tier could be reached, the deadline is now: the next round climbs at
  once rather than wait on a dead mail server.

Acknowledged and resolved alerts are left alone. Time comes from the caller, so tests (and the
demo) drive the ladder with a clock they control.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, update

from sceau.alerts.channels import Channel, ChannelError, Notification
from sceau.alerts.model import Alert, State
from sceau.alerts.policy import Policy
from sceau.alerts.records import list_alerts
from sceau.errors import SceauError
from sceau.events import AlertEscalated, AlertNotificationFailed, EventSink
from sceau.store.schema import alerts


@dataclass(frozen=True)
class Escalation:
    """One tier told about one alert."""

    alert_id: int
    tier: str
    delivered: tuple[str, ...]  # recipients reached
    failed: tuple[tuple[str, str], ...]  # (recipient, why) for those that were not


def escalate(
    engine: Engine,
    events: EventSink,
    policy: Policy,
    channels: Mapping[str, Channel],
    now: datetime,
    *,
    installation: str = "sceau",
) -> list[Escalation]:
    """Notify every open alert's due tier; returns what was done, in alert order."""
    done = []
    for alert in list_alerts(engine, states=(State.OPEN,)):
        ladder = policy.ladder(alert.severity)
        if not ladder:
            continue
        if alert.notified_at is None:
            step = 0
        elif alert.ack_deadline is not None and now >= alert.ack_deadline:
            step = min(alert.tier + 1, len(ladder) - 1)
        else:
            continue
        tier = ladder[step]
        last = step == len(ladder) - 1
        notification = Notification(
            alert_id=alert.alert_id,
            rule=alert.rule,
            severity=alert.severity,
            summary=alert.summary,
            facts=alert.facts,
            tier=tier.name,
            raised_at=alert.raised_at,
            ack_deadline=None if last else now + tier.ack_within,
            installation=installation,
        )
        escalation = _deliver(alert, tier.name, tier.notify, notification, channels, events)
        reached = bool(escalation.delivered) or not tier.notify
        with engine.begin() as connection:
            connection.execute(
                update(alerts)
                .where(alerts.c.alert_id == alert.alert_id)
                .where(alerts.c.state == State.OPEN.value)  # not if acknowledged meanwhile
                .values(
                    tier=step,
                    notified_at=now,
                    ack_deadline=now + tier.ack_within if reached else now,
                )
            )
        done.append(escalation)
    return done


def _deliver(
    alert: Alert,
    tier: str,
    recipients: tuple[str, ...],
    notification: Notification,
    channels: Mapping[str, Channel],
    events: EventSink,
) -> Escalation:
    delivered, failed = [], []
    for recipient in recipients:
        name, _, address = recipient.partition(":")
        channel = channels.get(name)
        try:
            if channel is None:
                raise ChannelError(
                    f"the {name} channel is not configured", hint=f"add [alerts.{name}]"
                )
            channel.send(address, notification)
        # A channel is a plug-in: whatever it raises, the other recipients are still tried, and
        # the failure is recorded (a foreign error by its type only: its text could hold a value).
        except Exception as error:  # noqa: BLE001
            why = error.message if isinstance(error, ChannelError) else type(error).__name__
            failed.append((recipient, why))
            with contextlib.suppress(SceauError):  # an alert goes on even if the trail cannot
                events.record(
                    AlertNotificationFailed(
                        actor="sceau",
                        alert_id=alert.alert_id,
                        channel=name,
                        reason=why,
                    )
                )
        else:
            delivered.append(recipient)
    with contextlib.suppress(SceauError):
        events.record(
            AlertEscalated(
                actor="sceau",
                alert_id=alert.alert_id,
                tier=tier,
                recipients=len(delivered),
            )
        )
    return Escalation(alert.alert_id, tier, tuple(delivered), tuple(failed))
