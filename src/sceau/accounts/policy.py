"""How long a session may last: one policy for everybody, set by an admin, kept in the store.

A session ends after :attr:`SessionPolicy.idle_minutes` without a command, and in any case
:attr:`SessionPolicy.absolute_minutes` after login (OWASP ASVS 7.3). The person logging in
cannot lengthen it: the policy is not a setting of theirs, and only an admin changes it, within
hard caps (a day at most; the idle limit no longer than the absolute one). A change applies at
once to the sessions already open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from sceau.accounts.errors import AccountError
from sceau.accounts.roles import allowed
from sceau.accounts.users import get_user
from sceau.events import EventSink, SessionPolicyChanged
from sceau.store.schema import session_policy

MAX_ABSOLUTE = 24 * 60  # minutes: no session outlives a working day and a night


@dataclass(frozen=True)
class SessionPolicy:
    """Minutes without use, and minutes in all, after which a session ends."""

    idle_minutes: int = 30
    absolute_minutes: int = 12 * 60
    changed_by: str = ""  # empty: the defaults, never changed
    changed_at: datetime | None = None


def get_policy(engine: Engine) -> SessionPolicy:
    """The policy in force: the admin's, or the defaults."""
    with engine.connect() as connection:
        row = connection.execute(select(session_policy).where(session_policy.c.id == 1)).first()
    if row is None:
        return SessionPolicy()
    return SessionPolicy(row.idle_minutes, row.absolute_minutes, row.changed_by, row.changed_at)


def check_policy(idle_minutes: int, absolute_minutes: int) -> None:
    """Refuse limits outside the caps: 1 ≤ idle ≤ absolute ≤ 24 hours."""
    if not 1 <= absolute_minutes <= MAX_ABSOLUTE:
        raise AccountError(
            f"a session lasts at most {MAX_ABSOLUTE} minutes (24 hours) in all",
            hint="choose --absolute-minutes between 1 and 1440",
            where="--absolute-minutes",
        )
    if not 1 <= idle_minutes <= absolute_minutes:
        raise AccountError(
            "the idle limit must be at least a minute and no longer than the absolute one",
            hint=f"choose --idle-minutes between 1 and {absolute_minutes}",
            where="--idle-minutes",
        )


def set_policy(
    engine: Engine,
    events: EventSink,
    *,
    idle_minutes: int,
    absolute_minutes: int,
    by: str,
    now: datetime | None = None,
) -> SessionPolicy:
    """Change the policy (``by``: an active admin); recorded as ``auth.session_policy_changed``."""
    now = now or datetime.now(UTC)
    check_policy(idle_minutes, absolute_minutes)
    with engine.connect() as connection:
        manager = get_user(connection, by)
    if manager is None or not allowed(manager.role, "users.manage"):
        raise AccountError(
            "only an active admin may change the session policy",
            hint="log in as an admin: `sceau login NAME`",
            where=by,
        )
    events.record(
        SessionPolicyChanged(
            actor=by, idle_minutes=idle_minutes, absolute_minutes=absolute_minutes, at=now
        )
    )
    values = {
        "idle_minutes": idle_minutes,
        "absolute_minutes": absolute_minutes,
        "changed_by": by,
        "changed_at": now,
    }
    with engine.begin() as connection:
        done = connection.execute(
            update(session_policy).where(session_policy.c.id == 1).values(**values)
        )
        if done.rowcount == 0:
            connection.execute(insert(session_policy).values(id=1, **values))
    return SessionPolicy(idle_minutes, absolute_minutes, by, now)


def session_minutes(engine: Engine, shorter: int = 0) -> int:
    """How long a new session lasts: the policy's absolute limit, or ``shorter`` (a person's
    own ``session_minutes`` setting) when that is less; a setting never lengthens one."""
    minutes = get_policy(engine).absolute_minutes
    return min(minutes, shorter) if shorter > 0 else minutes
