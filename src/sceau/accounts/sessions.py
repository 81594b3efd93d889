"""CLI sessions: ``sceau login`` once, then every command knows which individual is acting.

The session file holds a random token, readable by its owner only (0600, in a 0700 folder);
the state store keeps only the token's SHA-256, so a copy of the store opens no session. How
long a session lasts is the admin's :mod:`policy <sceau.accounts.policy>` (idle and absolute
limits); ``session_minutes`` in the settings can only shorten one's own. Disabling an account
ends its sessions at once. Failed logins are throttled (:mod:`.throttle`). Every refusal of a
command is recorded as an ``auth.denied`` event, every failed login as ``auth.login_failed``
(never with the password). The ``mfa`` column records the second factor given (its id, 0 if none).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, or_, select, update

from sceau.accounts import throttle
from sceau.accounts.errors import AccountError
from sceau.accounts.factors import WrongFactor
from sceau.accounts.mfa import Given, login_factor
from sceau.accounts.policy import SessionPolicy, get_policy, session_minutes
from sceau.accounts.roles import allowed, roles_for
from sceau.accounts.users import (
    PasswordParams,
    User,
    WrongCredentials,
    account_exists,
    check_password,
    get_user,
    utc,
)
from sceau.config import Settings
from sceau.events import AccessDenied as AccessDeniedEvent
from sceau.events import EventSink, LoginFailed, LoginSucceeded, LoginThrottled, SessionEnded
from sceau.files import write_atomic
from sceau.store.schema import sessions, users

ANONYMOUS = "(anonymous)"  # the actor of a refusal when nobody is logged in
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 random bytes, URL-safe base64 without padding
_LOGIN_HINT = "run `sceau login NAME`"
LOCAL = "local"  # the address of a login on the command line


class NotLoggedIn(AccountError):
    """No valid session: none, expired, ended, altered, or its file is readable by others.

    ``reason`` is the short cause recorded in the audit trail; ``user`` the account, if known.
    """

    def __init__(
        self, message: str, *, reason: str, user: str = "", hint: str = _LOGIN_HINT, where: str = ""
    ) -> None:
        super().__init__(message, hint=hint, where=where)
        self.reason = reason
        self.user = user


class Throttled(WrongCredentials):
    """Too many failed logins for this account or address: refused until ``until``, even with
    the right password. The message is the usual refusal, plus when to try again."""

    def __init__(self, until: datetime, *, refused: str = "") -> None:
        super().__init__("throttled", known=False)
        self.until = until
        retry = _clock(until, seconds=True)
        refused = refused or self.message
        self.message = f"{refused}; too many failed attempts: try again after {retry}"
        self.hint = "wait until then; if these attempts were not yours, tell your security officer"
        self.args = (self.message,)


class AccessDenied(AccountError):
    """The logged-in individual's role does not allow the command."""


@dataclass(frozen=True)
class Session:
    """Who is logged in, since when, and until when (UTC): ``expires_at`` is the earlier of the
    absolute end and the idle end, as of ``last_seen``. ``id`` is the start of the token's
    SHA-256: enough to name the session, useless to open it."""

    user: User
    created_at: datetime
    expires_at: datetime
    id: str = ""
    last_seen: datetime | None = None
    address: str = LOCAL
    must_change_password: bool = False  # an admin reset it: `sceau passwd` before anything else


def login(
    settings: Settings,
    engine: Engine,
    events: EventSink,
    name: str,
    password: str,
    *,
    address: str | None = None,
    params: PasswordParams | None = None,
    now: datetime | None = None,
    second_factor: Given | None = None,
    ask_code: Callable[[], str] | None = None,
) -> User:
    """Check the password, open a session in the store and write its token to the session file.

    An account with a second factor must give it (``second_factor``, or ``ask_code`` is asked
    for a code once the password is right): see :mod:`sceau.accounts.mfa`.
    ``address`` is the client's address for the service (throttled on its own); the command
    line passes none. Steps: throttle, password, [second factor], session.
    """
    now = utc(now or datetime.now(UTC))
    user = authenticate(engine, events, name, password, address=address, params=params, now=now)
    try:  # the second factor, for the accounts that have one (sceau.accounts.mfa)
        factor = login_factor(
            settings, engine, events, user, given=second_factor, ask=ask_code, now=now
        )
    except WrongFactor as error:
        factor_failed(engine, events, user.name, error, address=address, now=now)
        raise
    throttle.clear(engine, name)
    events.record(LoginSucceeded(actor=user.name, user=user.name, at=now))
    _open_session(settings, engine, user, address or LOCAL, now, factor=factor)
    return user


def factor_failed(
    engine: Engine,
    events: EventSink,
    name: str,
    error: WrongFactor,
    *,
    address: str | None,
    now: datetime,
) -> None:
    """A wrong second factor at login: a failed login, and a guess counted against the name
    and the address like a wrong password (a code guessed is a guess)."""
    reason = f"second factor: {error.reason}"
    events.record(LoginFailed(actor=name, user=name, reason=reason, at=now))
    lock = throttle.record_failure(engine, name, address, now)
    if lock is not None:
        events.record(_throttled_event(name, lock, address or LOCAL, now))


def check_not_throttled(
    engine: Engine, events: EventSink, name: str | None, *, address: str | None, now: datetime
) -> None:
    """Raise :class:`Throttled` (and record it) while ``name`` or ``address`` is locked out
    (``name`` None: a session cookie or API token, not a login, for the address alone)."""
    lock = throttle.locked(engine, name, address, now)
    if lock is not None:
        if name is None:
            events.record(_throttled_event(ANONYMOUS, lock, address or LOCAL, now))
            raise Throttled(lock.until, refused="requests from this address are refused for now")
        who = name if account_exists(engine, name) else "(unknown)"
        events.record(_throttled_event(who, lock, address or LOCAL, now))
        raise Throttled(lock.until)


def credential_failed(
    engine: Engine, events: EventSink, *, address: str | None, now: datetime
) -> None:
    """A session cookie or API token that opens nothing: counted against the address like a
    wrong password (a token guessed is a guess); the lock it starts is recorded."""
    lock = throttle.record_failure(engine, None, address, now)
    if lock is not None:
        events.record(_throttled_event(ANONYMOUS, lock, address or LOCAL, now))


def authenticate(
    engine: Engine,
    events: EventSink,
    name: str,
    password: str,
    *,
    address: str | None = None,
    params: PasswordParams | None = None,
    now: datetime | None = None,
) -> User:
    """The account, if it is not throttled and the password opens it; no session is opened.

    A throttled attempt is refused before the password is looked at (:class:`Throttled`); a
    failure is counted against the name and the address, recorded, then raised.
    """
    now = utc(now or datetime.now(UTC))
    check_not_throttled(engine, events, name, address=address, now=now)
    return _check_password(engine, events, name, password, address, params=params, now=now)


def _check_password(
    engine: Engine,
    events: EventSink,
    name: str,
    password: str,
    address: str | None,
    *,
    params: PasswordParams | None,
    now: datetime,
) -> User:
    """The account, if the password opens it; a failure is counted and recorded, then raised."""
    try:
        return check_password(engine, name, password, params=params)
    except WrongCredentials as error:
        who = name if error.known else "(unknown)"  # an unknown name may be a mistyped password
        events.record(LoginFailed(actor=who, user=who, reason=error.reason, at=now))
        lock = throttle.record_failure(engine, name, address, now)
        if lock is not None:
            events.record(_throttled_event(who, lock, address or LOCAL, now))
        raise


def _throttled_event(who: str, lock: throttle.Lock, where: str, now: datetime) -> LoginThrottled:
    return LoginThrottled(
        actor=who, user=who, scope=lock.scope, until=lock.until.isoformat(), address=where, at=now
    )


def _open_session(
    settings: Settings, engine: Engine, user: User, where: str, now: datetime, *, factor: int
) -> None:
    """A new session in the store for ``user``, its token in the session file (replacing the
    previous session of this file)."""
    token = secrets.token_urlsafe(32)
    minutes = session_minutes(engine, settings.session_minutes)
    with engine.begin() as connection:
        connection.execute(delete(sessions).where(sessions.c.expires_at < now))
        previous = _read_token(settings.session_file)
        if previous is not None:
            connection.execute(delete(sessions).where(sessions.c.token_sha256 == _digest(previous)))
        connection.execute(
            insert(sessions).values(
                token_sha256=_digest(token),
                user=user.name,
                created_at=now,
                expires_at=now + timedelta(minutes=minutes),
                last_seen=now,
                address=where[:64],
                mfa=factor,
            )
        )
    try:
        _write_private(settings.session_file, token)
    except OSError as error:
        _forget(engine, token)
        raise AccountError(
            f"cannot write the session file ({error.strerror or type(error).__name__})",
            hint="check that the sceau home folder is yours and writable (SCEAU_HOME)",
            where=str(settings.session_file),
        ) from None


def logout(
    settings: Settings,
    engine: Engine,
    events: EventSink | None = None,
    *,
    now: datetime | None = None,
) -> bool:
    """End the session: forget its token in the store and delete the file. False if none.

    With ``events``, a session the store knew is recorded as ended (``auth.session_ended``).
    """
    token = _read_token(settings.session_file)
    if token is not None:
        with engine.connect() as connection:
            row = connection.execute(
                select(sessions.c.user).where(sessions.c.token_sha256 == _digest(token))
            ).first()
        if row is not None and events is not None:
            at = utc(now or datetime.now(UTC))
            events.record(
                SessionEnded(
                    actor=row.user,
                    user=row.user,
                    session=short_id(_digest(token)),
                    reason="logout",
                    at=at,
                )
            )
        _forget(engine, token)
    existed = settings.session_file.exists() or settings.session_file.is_symlink()
    with contextlib.suppress(FileNotFoundError):
        settings.session_file.unlink()
    return existed


def current_session(settings: Settings, engine: Engine, *, now: datetime | None = None) -> Session:
    """The session the session file opens, if it is still valid; :class:`NotLoggedIn` otherwise.

    Each use slides the session's ``last_seen``, from which its idle limit runs.
    """
    now = utc(now or datetime.now(UTC))
    path = settings.session_file
    token = _read_session_file(settings, engine)
    digest = _digest(token)
    with engine.connect() as connection:
        row = connection.execute(
            select(sessions).where(sessions.c.token_sha256 == digest)
        ).one_or_none()
        user = None if row is None else get_user(connection, row.user)
        must_change = row is not None and bool(
            connection.execute(
                select(users.c.must_change_password).where(users.c.name == row.user)
            ).scalar()
        )
    if row is None:
        raise NotLoggedIn(
            "the session is unknown: it ended, or the session file was altered",
            reason="unknown session",
            where=str(path),
        )
    end, why = session_end(row, get_policy(engine))
    if end <= now:
        raise NotLoggedIn(
            f"the session ended at {_clock(end)} ({why})",
            reason="session idle" if why == _IDLE else "session expired",
            user=row.user,
            hint=f"run `sceau login {row.user}`",
        )
    if user is None:
        raise NotLoggedIn(
            "the account of this session is disabled or gone",
            reason="account disabled",
            user=row.user,
            hint="ask an admin about the account",
        )
    with engine.begin() as connection:
        connection.execute(
            update(sessions)
            .where(
                sessions.c.token_sha256 == digest,
                or_(sessions.c.last_seen.is_(None), sessions.c.last_seen < now),
            )
            .values(last_seen=now)
        )
    last_seen = max(now, utc(row.last_seen or row.created_at))
    end, _ = session_end(row, get_policy(engine), last_seen=last_seen)
    return Session(
        user=user,
        created_at=utc(row.created_at),
        expires_at=end,
        id=short_id(digest),
        last_seen=last_seen,
        address=row.address or LOCAL,
        must_change_password=must_change,
    )


_IDLE = "unused too long"
_ABSOLUTE = "it reached its full length"


def session_end(
    row: Any, policy: SessionPolicy, *, last_seen: datetime | None = None
) -> tuple[datetime, str]:
    """When a stored session ends under ``policy``, and why: the earliest of its absolute end
    (as set at login, and as the policy says now) and its idle end."""
    created = utc(row.created_at)
    absolute = min(utc(row.expires_at), created + timedelta(minutes=policy.absolute_minutes))
    seen = last_seen or utc(row.last_seen or row.created_at)
    idle = seen + timedelta(minutes=policy.idle_minutes)
    return (idle, _IDLE) if idle < absolute else (absolute, _ABSOLUTE)


def short_id(digest: str) -> str:
    """A session's name for people: the first 12 hex digits of its token's SHA-256."""
    return digest[:12]


def current_user(settings: Settings, engine: Engine, *, now: datetime | None = None) -> User:
    """The logged-in individual; :class:`NotLoggedIn` if there is no valid session."""
    return current_session(settings, engine, now=now).user


def require(
    settings: Settings,
    engine: Engine,
    events: EventSink,
    action: str,
    *,
    now: datetime | None = None,
) -> User:
    """The logged-in individual, if their role allows ``action`` and they need not change a
    password an admin reset. A refusal is recorded as an ``auth.denied`` event, then raised
    (:class:`NotLoggedIn` or :class:`AccessDenied`)."""
    at = utc(now or datetime.now(UTC))
    try:
        session = current_session(settings, engine, now=at)
    except NotLoggedIn as error:
        events.record(
            AccessDeniedEvent(
                actor=error.user or ANONYMOUS, command=action, reason=error.reason, at=at
            )
        )
        raise
    user = session.user
    if session.must_change_password:
        events.record(
            AccessDeniedEvent(
                actor=user.name, command=action, reason="password change required", at=at
            )
        )
        raise AccessDenied(
            "an admin reset your password: choose your own before anything else",
            hint="run `sceau passwd`",
        )
    if allowed(user.role, action):
        return user
    roles = roles_for(action)
    events.record(
        AccessDeniedEvent(
            actor=user.name, command=action, reason=f"role {user.role} not allowed", at=at
        )
    )
    if not roles:
        raise AccessDenied(
            f"no role may run `{action}`",
            hint="this action is not in the roles table; report it as a bug",
        )
    needed = " or ".join(str(role) for role in roles)
    raise AccessDenied(
        f"`{action}` needs the {needed} role; {user.name} is {user.role}",
        hint=f"ask someone with the {needed} role to run it",
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _forget(engine: Engine, token: str) -> None:
    with engine.begin() as connection:
        connection.execute(delete(sessions).where(sessions.c.token_sha256 == _digest(token)))


def _clock(moment: datetime, *, seconds: bool = False) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def _read_token(path: Path) -> str | None:
    """The token in ``path`` if it holds one, whatever the file's mode (for logout and login)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        text = handle.read(128).decode("ascii", errors="replace").strip()
    return text if _TOKEN.fullmatch(text) else None


def _read_session_file(settings: Settings, engine: Engine) -> str:
    """The token, from a file that is a regular file, ours, and private; refuses anything else.

    A file others could read may have been copied: its session is ended and the file removed.
    """
    path = settings.session_file
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise NotLoggedIn("nobody is logged in", reason="not logged in") from None
    except OSError as error:
        raise NotLoggedIn(
            f"the session file cannot be read ({error.strerror or type(error).__name__})",
            reason="unreadable session file",
            hint=f"delete it and {_LOGIN_HINT}",
            where=str(path),
        ) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        raw = handle.read(128)
    text = raw.decode("ascii", errors="replace").strip()
    token = text if _TOKEN.fullmatch(text) else None
    if not stat.S_ISREG(info.st_mode):
        raise NotLoggedIn(
            "the session file is not a regular file",
            reason="unsafe session file",
            hint=f"delete it and {_LOGIN_HINT}",
            where=str(path),
        )
    foreign = hasattr(os, "getuid") and info.st_uid != os.getuid()
    if stat.S_IMODE(info.st_mode) & 0o077 or foreign:
        if token is not None:
            _forget(engine, token)
        with contextlib.suppress(OSError):
            path.unlink()
        problem = (
            "belongs to another user"
            if foreign
            else f"could be read by others (mode {stat.S_IMODE(info.st_mode):04o}, not 0600)"
        )
        raise NotLoggedIn(
            f"the session file {problem}; the session was ended",
            reason="unsafe session file",
            hint=f"{_LOGIN_HINT} again; if the file may have been copied, tell security",
            where=str(path),
        )
    if token is None:
        raise NotLoggedIn(
            "the session file is damaged",
            reason="damaged session file",
            hint=f"delete it and {_LOGIN_HINT}",
            where=str(path),
        )
    return token


def _write_private(path: Path, token: str) -> None:
    """Write ``token`` to ``path`` atomically, mode 0600, in a folder only its owner can enter."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(folder.stat().st_mode) & 0o077:
        folder.chmod(0o700)
    write_atomic(path, f"{token}\n".encode("ascii"))
