"""failed-auth: repeated failed logins, refused commands or forged signatures by one person.

Counts, per person, ``auth.login_failed`` and ``mfa.failed`` (by the account tried; the latter
is a wrong password or code when a command asks again), ``auth.denied`` and the
``mandate.refused`` whose reason is a signature failure, over a sliding window of ``minutes``
ending at each new event. Fires at ``count``. One key per person, so a guessing attack stays
one open alert however long it lasts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import ClassVar, cast

from sqlalchemy import Engine, func, select

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules.base import Rule, RuleContext
from sceau.audit.entry import LoggedEvent
from sceau.store.schema import alerts

NAMES = frozenset({"auth.login_failed", "mfa.failed", "auth.denied", "mandate.refused"})
SIGNATURE_REASONS = frozenset(
    {"bad-signature", "unknown-signer", "unproven-signer", "signer-mismatch", "revoked-signer"}
)


def failure_of(event: LoggedEvent) -> tuple[str, str] | None:
    """(person, kind) when ``event`` is a failed authentication, None otherwise."""
    if event.name in {"auth.login_failed", "mfa.failed"}:  # a wrong password or code, asked again
        return str(event.get("user") or event.actor), "login"
    if event.name == "auth.denied":
        return event.actor, "denied"
    if event.name == "mandate.refused" and event.get("reason") in SIGNATURE_REASONS:
        return event.actor, "signature"
    return None


class FailedAuth(Rule):
    """Too many authentication or signature failures by one person in a short time."""

    name = "failed-auth"
    severity = Severity.HIGH
    description = (
        "one account failed to log in, was refused a command, or presented a bad mandate "
        "signature too many times in a few minutes"
    )
    defaults: ClassVar[Mapping[str, object]] = {"minutes": 15, "count": 5}

    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        minutes = cast(int, self.threshold(context, "minutes"))
        count = cast(int, self.threshold(context, "count"))
        window = timedelta(minutes=minutes)
        fresh = [(event, who) for event in context.new if (who := failure_of(event))]
        if not fresh:
            return
        earlier = [
            (event, who)
            for event in context.events(min(event.at for event, _ in fresh) - window, NAMES)
            if (who := failure_of(event))
        ]
        answered = _last_resolved(context.engine, self.name)
        worst: dict[str, list[tuple[LoggedEvent, str]]] = {}
        for event, (person, _) in fresh:
            since = max(event.at - window, answered.get(f"actor:{person}", event.at - window))
            inside = [
                (other, kind)
                for other, (someone, kind) in earlier
                if someone == person and since < other.at <= event.at
            ]
            if len(inside) >= count and len(inside) >= len(worst.get(person, [])):
                worst[person] = inside
        for person, inside in worst.items():
            kinds = [kind for _, kind in inside]
            last = max(event.at for event, _ in inside).astimezone(UTC)
            yield self.finding(
                key=f"actor:{person}",
                summary=(
                    f"{len(inside)} failed logins, refused commands or bad signatures for "
                    f"{person} within {minutes} minutes (the last at {last:%Y-%m-%d %H:%M} UTC)"
                ),
                facts={
                    "actor": person,
                    "failures": len(inside),
                    "logins": kinds.count("login"),
                    "denied": kinds.count("denied"),
                    "signatures": kinds.count("signature"),
                    "minutes": minutes,
                    "last": last.isoformat(),
                },
            )


def _last_resolved(engine: Engine, rule: str) -> dict[str, datetime]:
    """When each key's last alert was resolved: failures before that were answered already,
    and must not count again toward a new alert."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(alerts.c.key, func.max(alerts.c.resolved_at))
            .where(alerts.c.rule == rule)
            .where(alerts.c.resolved_at.is_not(None))
            .group_by(alerts.c.key)
        ).all()
    return dict(rows)
