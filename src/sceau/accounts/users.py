"""Individual accounts in the state store: one person, one name, one role, one Argon2id hash.

Shared accounts were one of the regulator's findings: every run, signature and shred must name
the person who did it. The first account of an empty store is added without a session and must
be an admin (the bootstrap); every later change is made by an active admin, named in ``by``.
The ``mfa_secret`` column waits for the service's second factor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.exc import IntegrityError

from sceau.accounts import throttle
from sceau.accounts.errors import AccountError
from sceau.accounts.names import name_key
from sceau.accounts.passwords import check_password_rules
from sceau.accounts.roles import Role, allowed
from sceau.events import EventSink, LoginUnlocked, UserAdded, UserDisabled, UserEnabled
from sceau.store.schema import sessions, users

_NAME = re.compile(r"[A-Za-z0-9._-]{2,64}")
SYSTEM = "sceau"  # the actor of sceau's own events; no person may take the name


class WrongCredentials(AccountError):
    """A name and password that do not open an account. ``reason`` is for the audit trail only:
    the message is the same whatever went wrong, so it does not tell which names exist."""

    def __init__(self, reason: str, *, known: bool) -> None:
        super().__init__(
            "login refused: unknown account, disabled account or wrong password",
            hint="check the name and the password; an admin can tell whether the account is active",
        )
        self.reason = reason
        self.known = known


@dataclass(frozen=True)
class User:
    """An individual who may act, as far as their role allows."""

    name: str
    role: Role


@dataclass(frozen=True)
class UserRecord:
    """An account as an admin sees it: who created it and when, and whether it is disabled."""

    name: str
    role: Role
    created_at: datetime
    created_by: str
    disabled_at: datetime | None


@dataclass(frozen=True)
class PasswordParams:
    """Argon2id cost. The default is RFC 9106's second recommendation (64 MiB, 3 passes, 4 lanes);
    tests pass cheaper ones. A stored hash made with other parameters is redone at next login."""

    time_cost: int = 3
    memory_cost: int = 65_536  # KiB
    parallelism: int = 4

    def hasher(self) -> PasswordHasher:
        return _hasher(self)


@cache
def _hasher(params: PasswordParams) -> PasswordHasher:
    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


@cache
def _dummy_hash(params: PasswordParams) -> str:
    """A hash to verify against when the name is unknown, so that costs as long as a real one."""
    return _hasher(params).hash("not a password: a stand-in for unknown accounts")


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; SQLite hands back naive datetimes, which sceau always writes in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_name(name: str) -> None:
    """Refuse a name that is not 2-64 letters, digits, '.', '_' or '-'.

    The name is not repeated in the error: a password typed in the wrong field must not be shown.
    """
    if not _NAME.fullmatch(name):
        raise AccountError(
            "an account name is 2 to 64 characters: letters, digits, '.', '_' or '-'",
            hint="choose a name such as jdupont or j.dupont",
        )
    if name.lower() == SYSTEM:
        raise AccountError(
            f"{SYSTEM!r} is the name sceau's own actions are recorded under",
            hint="choose a person's name: every account is one individual",
        )


def add_user(
    engine: Engine,
    events: EventSink,
    name: str,
    role: Role,
    password: str,
    *,
    by: str,
    params: PasswordParams | None = None,
) -> User:
    """Add an account. In an empty store it must be an admin (``by`` is then the new admin
    themself); otherwise ``by`` must be an active account allowed to manage users."""
    check_name(name)
    role = _role(role)
    check_password_rules(name, password)
    fill_name_keys(engine)
    with engine.connect() as connection:
        _check_may_add(connection, name, role, by)
    password_hash = (params or PasswordParams()).hasher().hash(password)
    now = datetime.now(UTC)
    events.record(UserAdded(actor=by, user=name, role=role.value, at=now))
    try:
        with engine.begin() as connection:
            _check_may_add(connection, name, role, by)  # again, in the writing transaction
            connection.execute(
                insert(users).values(
                    name=name,
                    name_key=name_key(name),
                    role=role.value,
                    password_hash=password_hash,
                    created_at=now,
                    created_by=by,
                )
            )
    except IntegrityError:
        raise _exists(name) from None
    return User(name, role)


def disable_user(engine: Engine, events: EventSink, name: str, *, by: str) -> None:
    """Disable an account and end its sessions. The last active admin cannot be disabled."""
    now = datetime.now(UTC)
    with engine.connect() as connection:
        _check_may_disable(connection, name, by)
    events.record(UserDisabled(actor=by, user=name, at=now))
    with engine.begin() as connection:
        _check_may_disable(connection, name, by)
        connection.execute(update(users).where(users.c.name == name).values(disabled_at=now))
        connection.execute(sql_delete(sessions).where(sessions.c.user == name))


def enable_user(engine: Engine, events: EventSink, name: str, *, by: str, reason: str) -> None:
    """Let a disabled account in again (its old sessions stay ended), with why."""
    with engine.connect() as connection:
        _check_disabled(connection, name, by)
    events.record(UserEnabled(actor=by, user=name, reason=reason, at=datetime.now(UTC)))
    with engine.begin() as connection:
        _check_disabled(connection, name, by)
        connection.execute(update(users).where(users.c.name == name).values(disabled_at=None))


def unlock_logins(engine: Engine, events: EventSink, name: str, *, by: str, reason: str) -> None:
    """Lift the lock that failed logins put on account ``name`` (an address's stays), with why."""
    with engine.connect() as connection:
        _check_manager(connection, by)
    if not account_exists(engine, name):
        raise AccountError("no such account", hint="`sceau users list` shows them", where=name)
    events.record(LoginUnlocked(actor=by, user=name, reason=reason, at=datetime.now(UTC)))
    throttle.clear(engine, name)


def _check_disabled(connection: Connection, name: str, by: str) -> None:
    _check_manager(connection, by)
    row = connection.execute(select(users).where(users.c.name == name)).one_or_none()
    if row is None:
        raise AccountError("no such account", hint="`sceau users list` shows them", where=name)
    if row.disabled_at is None:
        raise AccountError("the account is not disabled", where=name)


def list_users(engine: Engine) -> list[User]:
    """The active accounts, by name: the people who may act today."""
    return [User(r.name, r.role) for r in describe_users(engine) if r.disabled_at is None]


def describe_users(engine: Engine) -> list[UserRecord]:
    """Every account, disabled ones included, by name."""
    with engine.connect() as connection:
        rows = connection.execute(select(users).order_by(users.c.name)).all()
    return [
        UserRecord(
            name=row.name,
            role=_role(row.role),
            created_at=utc(row.created_at),
            created_by=row.created_by,
            disabled_at=None if row.disabled_at is None else utc(row.disabled_at),
        )
        for row in rows
    ]


def has_users(engine: Engine) -> bool:
    """Whether any account exists (if not, the next one added is the bootstrap admin)."""
    with engine.connect() as connection:
        return _count(connection) > 0


def check_password(
    engine: Engine, name: str, password: str, *, params: PasswordParams | None = None
) -> User:
    """The active account ``name`` if ``password`` is its password; :class:`WrongCredentials`
    otherwise, after the same Argon2 work whether the name exists or not."""
    params = params or PasswordParams()
    hasher = params.hasher()
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.name == name)).one_or_none()
    if row is None:
        _verify(hasher, _dummy_hash(params), password)
        raise WrongCredentials("unknown account", known=False)
    if not _verify(hasher, row.password_hash, password):
        raise WrongCredentials("wrong password", known=True)
    if row.disabled_at is not None:
        raise WrongCredentials("disabled account", known=True)
    if hasher.check_needs_rehash(row.password_hash):
        with engine.begin() as connection:
            connection.execute(
                update(users)
                .where(users.c.name == name)
                .values(password_hash=hasher.hash(password))
            )
    return User(row.name, _role(row.role))


def account_exists(engine: Engine, name: str) -> bool:
    """Whether an account, active or disabled, has this exact name."""
    with engine.connect() as connection:
        return (
            connection.execute(select(users.c.name).where(users.c.name == name)).first() is not None
        )


def get_user(connection: Connection, name: str) -> User | None:
    """The active account ``name``, or None if it does not exist or is disabled."""
    row = connection.execute(
        select(users.c.name, users.c.role).where(
            users.c.name == name, users.c.disabled_at.is_(None)
        )
    ).one_or_none()
    return None if row is None else User(row.name, _role(row.role))


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise AccountError(
            "unknown role",
            hint=f"a role is one of: {', '.join(Role)}",
        ) from None


def _count(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(users)).scalar_one()


def _active_admins(connection: Connection) -> int:
    query = select(func.count()).where(users.c.role == Role.ADMIN.value)
    return connection.execute(query.where(users.c.disabled_at.is_(None))).scalar_one()


def _check_may_add(connection: Connection, name: str, role: Role, by: str) -> None:
    if _count(connection) == 0:
        if role is not Role.ADMIN:
            raise AccountError(
                "the first account must be an admin",
                hint=f"run `sceau users add NAME --role {Role.ADMIN}` first",
            )
        return
    _check_manager(connection, by)
    if connection.execute(select(users.c.name).where(users.c.name == name)).first():
        raise _exists(name)
    if connection.execute(select(users.c.name).where(users.c.name_key == name_key(name))).first():
        raise AccountError(
            "this name looks like an existing account's (same letters up to case, or letters "
            "that look alike, such as rn and m, 0 and o)",
            hint="choose a name no reader could take for another person's: `sceau users list`",
            where=name,
        )


def _check_may_disable(connection: Connection, name: str, by: str) -> None:
    _check_manager(connection, by)
    row = connection.execute(select(users).where(users.c.name == name)).one_or_none()
    if row is None:
        raise AccountError("no such account", hint="`sceau users list` shows them", where=name)
    if row.disabled_at is not None:
        raise AccountError("the account is already disabled", where=name)
    if row.role == Role.ADMIN and _active_admins(connection) <= 1:
        raise AccountError(
            "this is the last active admin",
            hint="add another admin first, so that someone can still manage accounts",
            where=name,
        )


def fill_name_keys(engine: Engine) -> int:
    """Give every account of an older store its name key; how many were filled.

    Two older accounts whose names already look alike keep coexisting (the second is left
    without a key); no new account can look like either of them.
    """
    with engine.connect() as connection:
        rows = connection.execute(
            select(users.c.name).where(users.c.name_key.is_(None)).order_by(users.c.created_at)
        ).all()
    filled = 0
    for row in rows:
        key = name_key(row.name)
        with engine.begin() as connection:
            if connection.execute(select(users.c.name).where(users.c.name_key == key)).first():
                continue
            connection.execute(update(users).where(users.c.name == row.name).values(name_key=key))
            filled += 1
    return filled


def _exists(name: str) -> AccountError:
    return AccountError(
        "an account with this name already exists",
        hint="choose another name; each person has their own account",
        where=name,
    )


def _check_manager(connection: Connection, by: str) -> None:
    manager = get_user(connection, by)
    if manager is None or not allowed(manager.role, "users.manage"):
        raise AccountError(
            "only an active admin may manage accounts",
            hint="log in as an admin: `sceau login NAME`",
            where=by,
        )
