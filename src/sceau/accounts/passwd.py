"""A person changes their own password: the current one first, then the policy, then the
other sessions end (whoever held them no longer holds a valid password). An admin may reset
another's password, which that person must change at their next login.

The current password is checked as a login is — throttled, each failure counted — so a session
left open on a desk is not a way to guess it. The change is recorded as
``auth.password_changed``, with how many sessions it ended; never a password.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, update

from sceau.accounts import throttle
from sceau.accounts.errors import AccountError
from sceau.accounts.passwords import check_password_rules
from sceau.accounts.roles import allowed
from sceau.accounts.session_list import end_sessions
from sceau.accounts.sessions import authenticate
from sceau.accounts.users import PasswordParams, get_user, utc
from sceau.events import EventSink, PasswordChanged, PasswordReset
from sceau.store.schema import users


def change_password(
    engine: Engine,
    events: EventSink,
    name: str,
    current: str,
    new: str,
    *,
    keep: str = "",
    params: PasswordParams | None = None,
    now: datetime | None = None,
) -> int:
    """Set ``name``'s password to ``new`` if ``current`` is theirs; end their sessions but the
    one named ``keep`` (the session the change is made from). How many sessions ended."""
    now = utc(now or datetime.now(UTC))
    authenticate(engine, events, name, current, params=params, now=now)
    throttle.clear(engine, name)
    if new == current:
        raise AccountError(
            "the new password is the current one", hint="choose a password you have not used here"
        )
    check_password_rules(name, new)
    password_hash = (params or PasswordParams()).hasher().hash(new)
    ended = end_sessions(
        engine, events, name, by=name, keep=keep, reason="password changed", now=now
    )
    events.record(PasswordChanged(actor=name, user=name, sessions_ended=len(ended), at=now))
    with engine.begin() as connection:
        connection.execute(
            update(users)
            .where(users.c.name == name)
            .values(password_hash=password_hash, must_change_password=None)
        )
    return len(ended)


def reset_password(
    engine: Engine,
    events: EventSink,
    name: str,
    password: str,
    *,
    by: str,
    params: PasswordParams | None = None,
    now: datetime | None = None,
) -> int:
    """An admin (``by``) sets ``name``'s password, for a forgotten one; every session of
    ``name`` ends, and ``name`` must choose their own at the next login before anything else
    (an admin who knows someone's password must not be able to act as them for long). How
    many sessions ended. Recorded as ``auth.password_reset``."""
    now = utc(now or datetime.now(UTC))
    with engine.connect() as connection:
        manager = get_user(connection, by)
        target = get_user(connection, name)
    if manager is None or not allowed(manager.role, "users.manage"):
        raise AccountError(
            "only an active admin may reset a password",
            hint="log in as an admin: `sceau login NAME`",
            where=by,
        )
    if by == name:
        raise AccountError("use `sceau passwd` to change your own password", where=name)
    if target is None:
        raise AccountError(
            "no such active account", hint="`sceau users list` shows them", where=name
        )
    check_password_rules(name, password)
    password_hash = (params or PasswordParams()).hasher().hash(password)
    ended = end_sessions(engine, events, name, by=by, reason="password reset by an admin", now=now)
    events.record(PasswordReset(actor=by, user=name, sessions_ended=len(ended), at=now))
    with engine.begin() as connection:
        connection.execute(
            update(users)
            .where(users.c.name == name)
            .values(password_hash=password_hash, must_change_password=1)
        )
    throttle.clear(engine, name)
    return len(ended)
