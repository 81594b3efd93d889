"""Browser sessions and API tokens, kept in the state store as a keyed hash of their token only.

The hash is HMAC-SHA-256 under a sub-key of the installation's MFA key (:attr:`Service.token_key
<sceau.web.service.Service>`), which the service holds and the store does not: someone who can
write to the store cannot insert the hash of a token of their own choosing and be logged in as
anyone, and a copy of the store opens nothing. Rows hashed before (plain SHA-256, no ``keyed``
mark) are retired when the store is opened (:mod:`sceau.store.upgrade`).

A login is two steps. The password opens a *pending* session, which may do nothing but give its
second factor (``POST /auth/mfa/...``), or, for an account with none, give the admin's enrolment
code (``POST /auth/enrol/code``, stage ``enrol_code``) then enrol one (``POST /auth/enrol/...``,
stage ``enrol``); either completes it with a new token
(:mod:`sceau.web.login_routes`). A complete session records when its owner last gave their
password and factor again (:func:`mark_reauthenticated`): acts that must not ride on an old
login ask for that to be recent.

API tokens are for the CLI client: made by a logged-in person for themself, shown once, listed
and revoked by their public id. A token acts as its person, with their role as it is now: a
disabled account's tokens open nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update

from sceau.accounts import AccountError, User
from sceau.accounts.policy import get_policy
from sceau.accounts.sessions import short_id
from sceau.accounts.users import get_user
from sceau.events import EventSink, SessionEnded
from sceau.store.schema import api_tokens, web_sessions
from sceau.web.service import Principal, Service

PENDING, ENROL, COMPLETE = "pending", "enrol", "complete"
ENROL_CODE = "enrol_code"  # before enrolling: the admin's one-time enrolment code
PENDING_MINUTES = 5  # time to give the second factor
# how often a session's last use is written: not at every request (a write each), and the idle
# limit, counted in minutes, loses less than one
SLIDE_EVERY = timedelta(minutes=1)
TOKEN_PREFIX = "sceau_"  # noqa: S105  (a prefix, not a secret): recognisable in a leaked file or a secret scanner
MAX_TOKEN_DAYS = 365


def digest(service: Service, token: str) -> str:
    """The keyed hash (HMAC-SHA-256) the store keeps in the token's place."""
    return hmac.new(service.token_key, token.encode("utf-8"), hashlib.sha256).hexdigest()


# --- sessions -------------------------------------------------------------------------------


def open_session(
    service: Service,
    user: User,
    *,
    complete: bool,
    minutes: int,
    now: datetime,
    stage: str = PENDING,
    address: str | None = None,
) -> str:
    """A new session for ``user``; returns its token (for the cookie), stores its hash.

    An incomplete one waits at ``stage`` (:data:`PENDING` or :data:`ENROL`) for a few minutes.
    """
    token = secrets.token_urlsafe(32)
    lasts = timedelta(minutes=minutes if complete else PENDING_MINUTES)
    with service.engine.begin() as connection:
        connection.execute(delete(web_sessions).where(web_sessions.c.expires_at < now))
        connection.execute(
            insert(web_sessions).values(
                token_sha256=digest(service, token),
                keyed=True,
                user=user.name,
                stage=COMPLETE if complete else stage,
                created_at=now,
                expires_at=now + lasts,
                last_seen=now,
                address=None if address is None else address[:64],
            )
        )
    return token


def complete_session(
    service: Service,
    principal: Principal,
    *,
    minutes: int,
    now: datetime,
    address: str | None = None,
) -> str:
    """The pending session's second factor was given: end it and open a complete one.

    A new token, so a token seen before the second factor (a fixation) opens nothing after.
    """
    end_session(service.engine, principal.token_sha256)
    return open_session(
        service, principal.user, complete=True, minutes=minutes, now=now, address=address
    )


def mark_reauthenticated(engine: Engine, token_sha256: str, now: datetime) -> None:
    """The session's owner gave their password and second factor again, at ``now``."""
    with engine.begin() as connection:
        connection.execute(
            update(web_sessions)
            .where(web_sessions.c.token_sha256 == token_sha256, web_sessions.c.stage == COMPLETE)
            .values(reauth_at=now)
        )


def advance(engine: Engine, token_sha256: str, was: str, now_at: str) -> None:
    """Move a pending session from stage ``was`` to ``now_at`` (the enrolment code given)."""
    with engine.begin() as connection:
        connection.execute(
            update(web_sessions)
            .where(web_sessions.c.token_sha256 == token_sha256, web_sessions.c.stage == was)
            .values(stage=now_at)
        )


def end_session(engine: Engine, token_sha256: str) -> None:
    with engine.begin() as connection:
        connection.execute(delete(web_sessions).where(web_sessions.c.token_sha256 == token_sha256))


def end_sessions_of(
    engine: Engine, events: EventSink, user: str, *, by: str, reason: str, now: datetime
) -> list[str]:
    """End every browser session of ``user`` (an admin's act), each recorded; their short ids."""
    with engine.connect() as connection:
        hashes = list(
            connection.execute(
                select(web_sessions.c.token_sha256).where(web_sessions.c.user == user)
            ).scalars()
        )
    ended = sorted(short_id(h) for h in hashes)
    for session in ended:
        events.record(SessionEnded(actor=by, user=user, session=session, reason=reason, at=now))
    if hashes:
        with engine.begin() as connection:
            connection.execute(delete(web_sessions).where(web_sessions.c.token_sha256.in_(hashes)))
    return ended


def session_principal(service: Service, token: str, now: datetime) -> Principal | None:
    """Who the session cookie's token opens, if it is known, unexpired and its account active."""
    engine = service.engine
    hashed = digest(service, token)
    with engine.connect() as connection:
        row = connection.execute(
            select(web_sessions).where(web_sessions.c.token_sha256 == hashed)
        ).one_or_none()
        if row is None or row.expires_at <= now:
            return None
        idle = timedelta(minutes=get_policy(engine).idle_minutes)
        if row.stage == COMPLETE and (row.last_seen or row.created_at) + idle <= now:
            return None  # unused for longer than the admin's idle limit
        user = get_user(connection, row.user)
    if user is None:
        return None
    if now - (row.last_seen or row.created_at) >= SLIDE_EVERY:  # a use slides the idle limit
        with engine.begin() as connection:
            connection.execute(
                update(web_sessions)
                .where(web_sessions.c.token_sha256 == hashed)
                .values(last_seen=now)
            )
    return Principal(
        user=user,
        via="session",
        complete=row.stage == COMPLETE,
        token_sha256=hashed,
        stage=row.stage,
        reauth_at=row.reauth_at,
    )


# --- API tokens -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenInfo:
    """A token as its owner sees it listed: never the token itself."""

    token_id: str
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def new_token(service: Service, user: str, label: str, days: int, now: datetime) -> tuple[str, str]:
    """A new API token for ``user``: (its public id, the token, to be shown once)."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(
            f"a token lasts 1 to {MAX_TOKEN_DAYS} days", hint="ask for fewer days", where="days"
        )
    if not label or len(label) > 64 or not label.isprintable():
        raise AccountError(
            "a token's label is 1 to 64 printable characters",
            hint="name the machine it is for, e.g. laptop-jdupont",
            where="label",
        )
    token_id = secrets.token_hex(8)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with service.engine.begin() as connection:
        connection.execute(
            insert(api_tokens).values(
                token_id=token_id,
                token_sha256=digest(service, token),
                keyed=True,
                user=user,
                label=label,
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        )
    return token_id, token


def list_tokens(engine: Engine, user: str) -> list[TokenInfo]:
    """``user``'s tokens, the newest first, revoked and expired ones included."""
    query = (
        select(api_tokens)
        .where(api_tokens.c.user == user)
        .order_by(api_tokens.c.created_at.desc(), api_tokens.c.token_id)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        TokenInfo(row.token_id, row.label, row.created_at, row.expires_at, row.revoked_at)
        for row in rows
    ]


def revoke_token(engine: Engine, user: str, token_id: str, now: datetime) -> bool:
    """Revoke ``user``'s token ``token_id``; False if they have no such live token."""
    with engine.begin() as connection:
        done = connection.execute(
            update(api_tokens)
            .where(
                api_tokens.c.token_id == token_id,
                api_tokens.c.user == user,
                api_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    return done.rowcount == 1


def token_id_of(engine: Engine, user: str, token_sha256: str) -> str | None:
    """The public id of ``user``'s live token whose hash is ``token_sha256``."""
    with engine.connect() as connection:
        return connection.execute(
            select(api_tokens.c.token_id).where(
                api_tokens.c.token_sha256 == token_sha256,
                api_tokens.c.user == user,
                api_tokens.c.revoked_at.is_(None),
            )
        ).scalar_one_or_none()


def token_principal(service: Service, token: str, now: datetime) -> Principal | None:
    """Who the bearer token opens, if it is known, live, and its account active."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    hashed = digest(service, token)
    with service.engine.connect() as connection:
        row = connection.execute(
            select(api_tokens).where(api_tokens.c.token_sha256 == hashed)
        ).one_or_none()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            return None
        user = get_user(connection, row.user)
    if user is None:
        return None
    return Principal(user=user, via="token", complete=True, token_sha256=hashed)
