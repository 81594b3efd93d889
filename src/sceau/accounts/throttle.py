"""Failed logins slow the next ones down, per account and per address (OWASP ASVS 6.3.1).

After :data:`ACCOUNT_FREE` failures for one account (counted by its name key, so ``MMartin``
counts for ``mmartin``, and an unknown name is throttled exactly like a known one), every
further failure locks the account's logins for a delay that doubles from one minute up to an
hour. During the delay even the right password is refused. The same holds for one address
(the service's client) after :data:`ADDRESS_FREE` failures, whatever names it tries. A success
clears the account's count; a count with no failure for :data:`WINDOW` starts again. The
table keeps one row per name key or address and forgets rows older than the window, so it
cannot grow without end.

The service counts against the address alone (``name`` None) a request to a protected route
whose session cookie or API token opens nothing: someone guessing tokens is locked out as a
password guesser is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from sceau.accounts.names import name_key
from sceau.store.schema import login_throttle

ACCOUNT_FREE = 5  # failures before the first delay, per account
ADDRESS_FREE = 20  # per address: a shared office address tries many accounts
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
WINDOW = timedelta(hours=24)  # a count with no failure for this long starts again


@dataclass(frozen=True)
class Lock:
    """Logins for ``scope`` ("account" or "address") are refused until ``until``."""

    scope: str
    until: datetime


def keys(name: str | None, address: str | None) -> dict[str, str]:
    """The throttle keys a login attempt counts against, by scope (no account for a guessed
    token)."""
    found = {} if name is None else {"account": f"account:{name_key(name)}"[:300]}
    if address:
        found["address"] = f"address:{address}"[:300]
    return found


def locked(engine: Engine, name: str | None, address: str | None, now: datetime) -> Lock | None:
    """The lock in force on this name or address at ``now``, the later one if both."""
    found = keys(name, address)
    with engine.connect() as connection:
        rows = connection.execute(
            select(login_throttle.c.key, login_throttle.c.locked_until).where(
                login_throttle.c.key.in_(list(found.values()))
            )
        ).all()
    scopes = {key: scope for scope, key in found.items()}
    locks = [
        Lock(scopes[row.key], row.locked_until)
        for row in rows
        if row.locked_until is not None and row.locked_until > now
    ]
    return max(locks, key=lambda lock: lock.until, default=None)


def record_failure(
    engine: Engine, name: str | None, address: str | None, now: datetime
) -> Lock | None:
    """Count a failed login; the lock it starts, if it starts one."""
    try:
        return _record(engine, name, address, now)
    except IntegrityError:  # a concurrent first failure made the row: count again, on it
        return _record(engine, name, address, now)


def _record(engine: Engine, name: str | None, address: str | None, now: datetime) -> Lock | None:
    started: list[Lock] = []
    with engine.begin() as connection:
        connection.execute(
            delete(login_throttle).where(
                login_throttle.c.last_failure_at < now - WINDOW,
                (login_throttle.c.locked_until.is_(None)) | (login_throttle.c.locked_until < now),
            )
        )
        for scope, key in keys(name, address).items():
            free = ACCOUNT_FREE if scope == "account" else ADDRESS_FREE
            until = _count(connection, key, free, now)
            if until is not None:
                started.append(Lock(scope, until))
    return max(started, key=lambda lock: lock.until, default=None)


def clear(engine: Engine, name: str) -> None:
    """Forget the account's failures after a successful login (an address's count stays)."""
    with engine.begin() as connection:
        connection.execute(
            delete(login_throttle).where(login_throttle.c.key == keys(name, None)["account"])
        )


def delay(failures: int, free: int) -> timedelta | None:
    """How long the ``failures``-th failure locks logins: none up to ``free``, then 1, 2, 4…
    minutes, at most an hour."""
    if failures < free:
        return None
    wait: timedelta = FIRST_DELAY * 2 ** min(failures - free, 12)
    return min(wait, MAX_DELAY)


def _count(connection: Connection, key: str, free: int, now: datetime) -> datetime | None:
    row = connection.execute(
        select(login_throttle).where(login_throttle.c.key == key).with_for_update()
    ).one_or_none()
    failures = 1 if row is None or row.last_failure_at < now - WINDOW else row.failures + 1
    wait = delay(failures, free)
    until = None if wait is None else now + wait
    values = {"failures": failures, "last_failure_at": now, "locked_until": until}
    if row is None:
        connection.execute(insert(login_throttle).values(key=key, **values))
    else:
        connection.execute(
            update(login_throttle).where(login_throttle.c.key == key).values(**values)
        )
    return until
