"""Second factors as policy: when one is asked for, which one a code is, and who may change them.

- :func:`login_factor` is the step ``login()`` runs after the password: an account with a
  factor must give it; one without may log in unless ``require_mfa`` is set.
- :func:`reauthenticate` asks for the password and the second factor again, right before an act
  that must not ride on an old session (signing, overriding a finding, releasing an export,
  changing a factor). It returns a :class:`Reauthentication`; acts take it and call
  :func:`require_fresh`, so an act cannot be reached without it.
- Enrolling and removing factors, and issuing recovery codes, go through the functions here,
  each of which takes that proof.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from sceau.accounts import recovery, totp, webauthn
from sceau.accounts.factors import (
    Kind,
    MfaError,
    WrongFactor,
    delete_factor,
    get_factor,
    has_factor,
)
from sceau.accounts.mfa_key import MfaKey, load_mfa_key
from sceau.accounts.roles import allowed
from sceau.accounts.users import (
    PasswordParams,
    User,
    WrongCredentials,
    check_password,
    get_user,
    utc,
)
from sceau.config import Settings
from sceau.events import EventSink, MfaFailed, MfaRemoved, MfaVerified, Reauthenticated
from sceau.store.schema import mfa_factors

FRESH_MINUTES = 5
NO_FACTOR = 0  # what a session records when no second factor was given


class NotFresh(MfaError):
    """An act that needs a fresh password and second factor was reached without them."""


@dataclass(frozen=True)
class Reauthentication:
    """Proof that ``user`` gave their password (and second factor, ``kind``) at ``at``."""

    user: str
    kind: str  # totp | recovery | webauthn | none
    factor: int
    at: datetime


@dataclass(frozen=True)
class Given:
    """The second factor someone gave: a typed code, or a WebAuthn assertion from a browser."""

    code: str | None = None
    assertion: str | Mapping[str, Any] | None = None


def mfa_key(settings: Settings, *, create: bool = False) -> MfaKey:
    """The installation's MFA key (made on first enrolment only)."""
    return load_mfa_key(settings.mfa_key_path, create=create)


def login_factor(
    settings: Settings,
    engine: Engine,
    events: EventSink,
    user: User,
    *,
    given: Given | None = None,
    ask: Callable[[], str] | None = None,
    now: datetime,
) -> int:
    """The factor ``user`` gives at login (its id), or :data:`NO_FACTOR` if they have none.

    ``ask`` is called for a code only when one is needed. A refusal raises
    :class:`WrongFactor`; the caller records it as a failed login.
    """
    with engine.connect() as connection:
        enrolled = has_factor(connection, user.name)
    if not enrolled:
        if settings.require_mfa:
            raise WrongFactor(
                "this installation requires a second factor, and this account has none",
                kind="none",
                reason="second factor not enrolled",
                hint=f"enrol one first: `sceau mfa totp --user {user.name}` (it asks for the "
                "password), then log in again",
            )
        return NO_FACTOR
    if (given is None or (given.code is None and given.assertion is None)) and ask is not None:
        _check_usable_here(engine, user.name)
        given = Given(code=ask())
    factor = verify_factor(settings, engine, events, user.name, given or Given(), now=now)
    kind = _kind_of(engine, factor)
    events.record(MfaVerified(actor=user.name, user=user.name, kind=kind, factor=factor, at=now))
    return factor


def verify_factor(
    settings: Settings,
    engine: Engine,
    events: EventSink,
    user: str,
    given: Given,
    *,
    now: datetime,
) -> int:
    """The id of ``user``'s factor that accepts ``given``; :class:`WrongFactor` otherwise.

    A code of 6 digits is a TOTP code; any other code is tried as a recovery code. Using a
    recovery code is recorded by :mod:`.recovery` (with how many remain).
    """
    if given.assertion is not None:
        rp = webauthn.RelyingParty.from_settings(settings)
        return webauthn.authenticate(engine, rp, user, given.assertion, now=now)
    if given.code is None or not given.code.strip():
        raise WrongFactor(
            "this account needs a second factor",
            kind="none",
            reason="no second factor given",
            hint="give the code your authenticator app shows, or a recovery code",
        )
    key = mfa_key(settings)
    try:
        return totp.verify(engine, key, user, totp.parse_code(given.code), now=now)
    except WrongFactor as error:
        if error.reason != "malformed code":
            raise
    try:
        code = recovery.parse_code(given.code)
    except WrongFactor:
        raise WrongFactor(
            "a code is the 6 digits of your authenticator app, or a recovery code",
            kind="code",
            reason="malformed code",
            hint="recovery codes look like 7k2m-9xq4-hc3d",
        ) from None
    return recovery.use(engine, events, key, user, code, now=now)


def reauthenticate(
    settings: Settings,
    engine: Engine,
    events: EventSink,
    user: str,
    password: str,
    given: Given | None = None,
    *,
    params: PasswordParams | None = None,
    now: datetime | None = None,
) -> Reauthentication:
    """The password, and the second factor if ``user`` has one, checked again now.

    Success is an ``auth.reauthenticated`` event; a refusal an ``mfa.failed`` event, then
    :class:`WrongCredentials` or :class:`WrongFactor`.
    """
    now = utc(now or datetime.now(UTC))
    try:
        account = check_password(engine, user, password, params=params)
    except WrongCredentials as error:
        events.record(
            MfaFailed(actor=user, user=user, kind="password", reason=error.reason, at=now)
        )
        raise
    with engine.connect() as connection:
        enrolled = has_factor(connection, account.name)
    factor, kind = NO_FACTOR, "none"
    if enrolled:
        try:
            factor = verify_factor(
                settings, engine, events, account.name, given or Given(), now=now
            )
        except WrongFactor as error:
            events.record(
                MfaFailed(actor=user, user=user, kind=error.kind, reason=error.reason, at=now)
            )
            raise
        kind = _kind_of(engine, factor)
    events.record(Reauthenticated(actor=user, user=user, kind=kind, at=now))
    return Reauthentication(user=account.name, kind=kind, factor=factor, at=now)


def require_fresh(
    proof: Reauthentication | None,
    user: str,
    *,
    minutes: int = FRESH_MINUTES,
    now: datetime | None = None,
) -> Reauthentication:
    """``proof`` if it is ``user``'s and at most ``minutes`` old; :class:`NotFresh` otherwise."""
    now = utc(now or datetime.now(UTC))
    if proof is None or proof.user != user:
        raise NotFresh(
            "this needs your password (and second factor) given just now",
            hint="run the command again and answer its questions",
        )
    if not timedelta(0) <= now - proof.at <= timedelta(minutes=minutes):
        raise NotFresh(
            f"the password was given more than {minutes} minutes ago",
            hint="run the command again and give the password when asked",
        )
    return proof


# --- changing factors: each takes a fresh proof ------------------------------------------------


def begin_totp(
    settings: Settings,
    engine: Engine,
    proof: Reauthentication,
    *,
    label: str,
    now: datetime | None = None,
) -> totp.Enrolment:
    """Start a TOTP enrolment for the proof's account; confirm it with :func:`confirm_totp`."""
    require_fresh(proof, proof.user, now=now)
    key = mfa_key(settings, create=True)
    return totp.begin(engine, key, proof.user, label=label, issuer=settings.installation, now=now)


def confirm_totp(
    settings: Settings,
    engine: Engine,
    events: EventSink,
    user: str,
    factor_id: int,
    code: str,
    *,
    now: datetime | None = None,
) -> None:
    """Complete a TOTP enrolment with the app's first code; a wrong one is ``mfa.failed``."""
    now = utc(now or datetime.now(UTC))
    try:
        totp.confirm(engine, events, mfa_key(settings), user, factor_id, code, now=now)
    except WrongFactor as error:
        events.record(
            MfaFailed(actor=user, user=user, kind=error.kind, reason=error.reason, at=now)
        )
        raise


def webauthn_registration(
    settings: Settings, engine: Engine, proof: Reauthentication, *, now: datetime | None = None
) -> str:
    """The options to register a security key for the proof's account (JSON for the browser)."""
    require_fresh(proof, proof.user, now=now)
    rp = webauthn.RelyingParty.from_settings(settings)
    return webauthn.registration_options(engine, rp, proof.user, now=now)


def issue_recovery_codes(
    settings: Settings,
    engine: Engine,
    events: EventSink,
    proof: Reauthentication,
    *,
    now: datetime | None = None,
) -> list[str]:
    """A new set of recovery codes (replacing the old one), for an account with a factor."""
    require_fresh(proof, proof.user, now=now)
    with engine.connect() as connection:
        enrolled = has_factor(connection, proof.user)
    if not enrolled:
        raise MfaError(
            "recovery codes stand in for an authenticator app or a security key; "
            "this account has neither",
            hint="enrol one first: `sceau mfa totp`",
        )
    key = mfa_key(settings, create=True)
    return recovery.issue(engine, events, key, proof.user, now=now)


def remove_factor(
    engine: Engine,
    events: EventSink,
    proof: Reauthentication,
    factor_id: int,
    *,
    now: datetime | None = None,
) -> list[int]:
    """Remove one of the proof's account's factors; the ids removed.

    Removing the last app or key also removes the recovery codes: alone they would be a
    second factor nobody enrolled.
    """
    now = utc(now or datetime.now(UTC))
    require_fresh(proof, proof.user, now=now)
    with engine.connect() as connection:
        factor = get_factor(connection, proof.user, factor_id)
        others = connection.execute(
            select(mfa_factors.c.factor_id, mfa_factors.c.kind).where(
                mfa_factors.c.user == proof.user,
                mfa_factors.c.factor_id != factor_id,
                mfa_factors.c.confirmed_at.is_not(None),
            )
        ).all()
    if factor is None:
        raise MfaError(
            f"you have no factor number {factor_id}",
            hint="`sceau mfa list` shows your factors and their numbers",
        )
    doomed = [(factor.factor_id, factor.kind.value)]
    if factor.kind is not Kind.RECOVERY and all(kind == Kind.RECOVERY for _, kind in others):
        doomed += [(other, kind) for other, kind in others]
    for doomed_id, kind in doomed:
        events.record(
            MfaRemoved(actor=proof.user, user=proof.user, kind=kind, factor=doomed_id, at=now)
        )
    with engine.begin() as connection:
        for doomed_id, _ in doomed:
            delete_factor(connection, doomed_id)
    return [doomed_id for doomed_id, _ in doomed]


def reset_factors(
    engine: Engine,
    events: EventSink,
    proof: Reauthentication,
    user: str,
    *,
    now: datetime | None = None,
) -> list[int]:
    """An admin removes every factor of ``user`` (a lost phone and lost codes); the ids removed.

    The admin proves themself again (``proof``); their role must allow ``users.manage``. The
    person then enrols again, with their password.
    """
    now = utc(now or datetime.now(UTC))
    require_fresh(proof, proof.user, now=now)
    with engine.connect() as connection:
        admin = get_user(connection, proof.user)
        if admin is None or not allowed(admin.role, "users.manage"):
            raise MfaError(
                "only an admin may remove another person's second factors",
                hint="ask an admin; to remove your own, use `sceau mfa remove`",
            )
        rows = connection.execute(
            select(mfa_factors.c.factor_id, mfa_factors.c.kind).where(mfa_factors.c.user == user)
        ).all()
    if not rows:
        raise MfaError(f"{user} has no second factor", hint="check the account's name")
    for factor_id, kind in rows:
        events.record(MfaRemoved(actor=proof.user, user=user, kind=kind, factor=factor_id, at=now))
    with engine.begin() as connection:
        for factor_id, _ in rows:
            delete_factor(connection, factor_id)
    return [factor_id for factor_id, _ in rows]


def _check_usable_here(engine: Engine, user: str) -> None:
    """Refuse before prompting when the account's only factors need a browser."""
    with engine.connect() as connection:
        kinds = set(
            connection.execute(
                select(mfa_factors.c.kind).where(
                    mfa_factors.c.user == user, mfa_factors.c.confirmed_at.is_not(None)
                )
            ).scalars()
        )
    if kinds == {Kind.WEBAUTHN.value}:
        raise WrongFactor(
            "this account's second factor is a security key, which only a browser can use",
            kind=Kind.WEBAUTHN,
            reason="no factor usable here",
            hint="log in on the web console, or use a recovery code if you have some",
        )


def _kind_of(engine: Engine, factor_id: int) -> str:
    with engine.connect() as connection:
        kind = connection.execute(
            select(mfa_factors.c.kind).where(mfa_factors.c.factor_id == factor_id)
        ).scalar_one_or_none()
    return str(kind or "none")
