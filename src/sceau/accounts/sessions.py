"""CLI sessions: ``sceau login`` once, then every command knows which individual is acting.

The session file holds a random token, readable by its owner only (0600, in a 0700 folder);
the state store keeps only the token's SHA-256, so a copy of the store opens no session. A
session lasts ``session_minutes``; disabling an account ends its sessions at once. Every refusal
of a command is recorded as an ``auth.denied`` event, every failed login as ``auth.login_failed``
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

from sqlalchemy import Engine, delete, insert, select

from sceau.accounts.factors import WrongFactor
from sceau.accounts.mfa import Given, login_factor
from sceau.accounts.roles import allowed, roles_for
from sceau.accounts.users import (
    AccountError,
    PasswordParams,
    User,
    WrongCredentials,
    check_password,
    get_user,
    utc,
)
from sceau.config import Settings
from sceau.events import AccessDenied as AccessDeniedEvent
from sceau.events import EventSink, LoginFailed, LoginSucceeded
from sceau.files import write_atomic
from sceau.store.schema import sessions

ANONYMOUS = "(anonymous)"  # the actor of a refusal when nobody is logged in
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 random bytes, URL-safe base64 without padding
_LOGIN_HINT = "run `sceau login NAME`"


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


class AccessDenied(AccountError):
    """The logged-in individual's role does not allow the command."""


@dataclass(frozen=True)
class Session:
    """Who is logged in, since when, and until when (UTC)."""

    user: User
    created_at: datetime
    expires_at: datetime


def login(
    settings: Settings,
    engine: Engine,
    events: EventSink,
    name: str,
    password: str,
    *,
    params: PasswordParams | None = None,
    now: datetime | None = None,
    second_factor: Given | None = None,
    ask_code: Callable[[], str] | None = None,
) -> User:
    """Check the password, open a session in the store and write its token to the session file.

    An account with a second factor must give it (``second_factor``, or ``ask_code`` is asked
    for a code once the password is right): see :mod:`sceau.accounts.mfa`.
    """
    now = utc(now or datetime.now(UTC))
    try:
        user = check_password(engine, name, password, params=params)
    except WrongCredentials as error:
        who = name if error.known else "(unknown)"  # an unknown name may be a mistyped password
        events.record(LoginFailed(actor=who, user=who, reason=error.reason, at=now))
        raise
    # --- second factor (sceau.accounts.mfa) ---------------------------------------------------
    try:
        factor = login_factor(
            settings, engine, events, user, given=second_factor, ask=ask_code, now=now
        )
    except WrongFactor as error:
        reason = f"second factor: {error.reason}"
        events.record(LoginFailed(actor=user.name, user=user.name, reason=reason, at=now))
        raise
    # ------------------------------------------------------------------------------------------
    token = secrets.token_urlsafe(32)
    events.record(LoginSucceeded(actor=user.name, user=user.name, at=now))
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
                expires_at=now + timedelta(minutes=settings.session_minutes),
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
    return user


def logout(settings: Settings, engine: Engine) -> bool:
    """End the session: forget its token in the store and delete the file. False if none."""
    token = _read_token(settings.session_file)
    if token is not None:
        _forget(engine, token)
    existed = settings.session_file.exists() or settings.session_file.is_symlink()
    with contextlib.suppress(FileNotFoundError):
        settings.session_file.unlink()
    return existed


def current_session(settings: Settings, engine: Engine, *, now: datetime | None = None) -> Session:
    """The session the session file opens, if it is still valid; :class:`NotLoggedIn` otherwise."""
    now = utc(now or datetime.now(UTC))
    path = settings.session_file
    token = _read_session_file(settings, engine)
    with engine.connect() as connection:
        row = connection.execute(
            select(sessions).where(sessions.c.token_sha256 == _digest(token))
        ).one_or_none()
        user = None if row is None else get_user(connection, row.user)
    if row is None:
        raise NotLoggedIn(
            "the session is unknown: it ended, or the session file was altered",
            reason="unknown session",
            where=str(path),
        )
    if utc(row.expires_at) <= now:
        raise NotLoggedIn(
            f"the session ended at {_clock(utc(row.expires_at))}",
            reason="session expired",
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
    return Session(user=user, created_at=utc(row.created_at), expires_at=utc(row.expires_at))


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
    """The logged-in individual, if their role allows ``action``. A refusal is recorded as an
    ``auth.denied`` event, then raised (:class:`NotLoggedIn` or :class:`AccessDenied`)."""
    at = utc(now or datetime.now(UTC))
    try:
        user = current_user(settings, engine, now=at)
    except NotLoggedIn as error:
        events.record(
            AccessDeniedEvent(
                actor=error.user or ANONYMOUS, command=action, reason=error.reason, at=at
            )
        )
        raise
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


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


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
