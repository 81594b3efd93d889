"""TOTP (RFC 6238) as an authenticator app speaks it: 6 digits, 30-second steps, SHA-1.

SHA-1 is what every app accepts; as an HMAC key it is not weakened by SHA-1's collisions. A code
is accepted for the current step and one step either side (up to 30 s of clock drift), and once
only: the last accepted step is stored per factor, and a code of that step or an earlier one is
refused, even inside the window, so a code read over a shoulder or from a log is worthless once
used. The secret (160 bits, RFC 4226's advice) is sealed under the MFA key (:mod:`.mfa_key`)
and shown once, at enrolment, which is complete only when the app's first code is given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import Engine, delete, select, update

from sceau.accounts.factors import ENROLMENT_MINUTES, Kind, MfaError, WrongFactor, insert_factor
from sceau.accounts.mfa_key import MfaKey
from sceau.accounts.users import utc
from sceau.events import EventSink, MfaEnrolled
from sceau.store.schema import mfa_factors

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # steps accepted either side of the current one
SECRET_BYTES = 20
_SEPARATORS = re.compile(r"[\s\-]+")
_CODE = re.compile(r"[0-9]{6}")
_LABEL = re.compile(r"[\w .,'()-]{1,64}")


def parse_code(text: str) -> str:
    """The six digits of a TOTP code, as typed: spaces and dashes ("123 456") are dropped.

    The error does not repeat the input: a password typed into the wrong prompt stays unseen.
    """
    code = _SEPARATORS.sub("", text)
    if not code.isascii() or not _CODE.fullmatch(code):
        raise WrongFactor(
            "a code from an authenticator app is 6 digits",
            kind=Kind.TOTP,
            reason="malformed code",
            hint="type the 6 digits the app shows now (spaces are fine)",
        )
    return code


def step_at(now: datetime) -> int:
    """The RFC 6238 time step ``now`` falls in."""
    return int(utc(now).timestamp()) // STEP_SECONDS


def code_at(secret: bytes, step: int) -> str:
    """The code an app shows during ``step`` (what tests and the enrolment check compute)."""
    return _totp(secret).generate_otp(step)


def provisioning_uri(secret: bytes, user: str, issuer: str) -> str:
    """The ``otpauth://`` URI an app reads from the QR code: the secret, the account, the issuer."""
    return _totp(secret).provisioning_uri(name=user, issuer_name=issuer)


def matching_step(secret: bytes, code: str, now: datetime, last_step: int | None) -> int:
    """The step within the drift window whose code is ``code`` and that was never used.

    Raises :class:`WrongFactor` (reason ``wrong code`` or ``replayed code``). Every step of the
    window is compared, in constant time, so the time taken does not tell which one matched.
    """
    current = step_at(now)
    matched = [
        step
        for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1)
        if hmac.compare_digest(code_at(secret, step), code)
    ]
    fresh = [step for step in matched if last_step is None or step > last_step]
    if fresh:
        return max(fresh)
    if matched:
        raise WrongFactor(
            "this code was already used",
            kind=Kind.TOTP,
            reason="replayed code",
            hint="wait for the app to show the next code",
        )
    raise WrongFactor(
        "the code is wrong or too old",
        kind=Kind.TOTP,
        reason="wrong code",
        hint="type the code the app shows now; if it keeps failing, check this computer's clock",
    )


@dataclass(frozen=True)
class Enrolment:
    """A TOTP factor waiting for its first code. Show ``uri`` once; never log it."""

    factor_id: int
    uri: str = field(repr=False)
    secret: bytes = field(repr=False)


def begin(
    engine: Engine,
    key: MfaKey,
    user: str,
    *,
    label: str,
    issuer: str,
    now: datetime | None = None,
) -> Enrolment:
    """Make a new secret for ``user``, stored sealed, pending until :func:`confirm`."""
    now = utc(now or datetime.now(UTC))
    check_label(label)
    secret = secrets.token_bytes(SECRET_BYTES)
    with engine.begin() as connection:
        connection.execute(  # abandoned enrolments of this account
            delete(mfa_factors).where(
                mfa_factors.c.user == user,
                mfa_factors.c.confirmed_at.is_(None),
                mfa_factors.c.created_at < now - timedelta(minutes=ENROLMENT_MINUTES),
            )
        )
        factor_id = insert_factor(
            connection,
            user=user,
            kind=Kind.TOTP.value,
            label=label,
            secret=key.seal_secret(user, secret),
            created_at=now,
        )
    return Enrolment(factor_id, provisioning_uri(secret, user, issuer), secret)


def confirm(
    engine: Engine,
    events: EventSink,
    key: MfaKey,
    user: str,
    factor_id: int,
    code: str,
    *,
    now: datetime | None = None,
) -> None:
    """Complete an enrolment with the app's current code; :class:`WrongFactor` if it is wrong."""
    now = utc(now or datetime.now(UTC))
    with engine.connect() as connection:
        row = connection.execute(
            select(mfa_factors).where(
                mfa_factors.c.factor_id == factor_id,
                mfa_factors.c.user == user,
                mfa_factors.c.kind == Kind.TOTP.value,
                mfa_factors.c.confirmed_at.is_(None),
            )
        ).one_or_none()
    if row is None or utc(row.created_at) < now - timedelta(minutes=ENROLMENT_MINUTES):
        raise MfaError(
            "this enrolment is unknown or took too long",
            hint=f"start again: an enrolment must be confirmed within {ENROLMENT_MINUTES} minutes",
        )
    step = matching_step(key.open_secret(user, row.secret), parse_code(code), now, row.last_step)
    events.record(
        MfaEnrolled(actor=user, user=user, kind=Kind.TOTP.value, factor=factor_id, at=now)
    )
    with engine.begin() as connection:
        connection.execute(
            update(mfa_factors)
            .where(mfa_factors.c.factor_id == factor_id)
            .values(confirmed_at=now, last_step=step, last_used_at=now)
        )


def verify(engine: Engine, key: MfaKey, user: str, code: str, *, now: datetime) -> int:
    """The id of ``user``'s TOTP factor that accepts ``code``; :class:`WrongFactor` otherwise.

    The step is recorded in the same statement that checks it is newer than the last one, so
    two logins racing with one code cannot both win.
    """
    code = parse_code(code)
    with engine.connect() as connection:
        rows = connection.execute(
            select(mfa_factors).where(
                mfa_factors.c.user == user,
                mfa_factors.c.kind == Kind.TOTP.value,
                mfa_factors.c.confirmed_at.is_not(None),
            )
        ).all()
    refusal: WrongFactor | None = None
    for row in rows:
        try:
            step = matching_step(key.open_secret(user, row.secret), code, now, row.last_step)
        except WrongFactor as error:
            refusal = error if refusal is None or error.reason == "replayed code" else refusal
            continue
        with engine.begin() as connection:
            claimed = connection.execute(
                update(mfa_factors)
                .where(
                    mfa_factors.c.factor_id == row.factor_id,
                    (mfa_factors.c.last_step.is_(None)) | (mfa_factors.c.last_step < step),
                )
                .values(last_step=step, last_used_at=now)
            ).rowcount
        if claimed == 1:
            return int(row.factor_id)
        refusal = WrongFactor("this code was already used", kind=Kind.TOTP, reason="replayed code")
    if refusal is None:
        raise WrongFactor(
            "this account has no authenticator app enrolled",
            kind=Kind.TOTP,
            reason="no totp factor",
            hint="use a recovery code or your security key",
        )
    raise refusal


def check_label(label: str) -> None:
    """A factor's label is a short name the owner recognises ("phone", "YubiKey 5")."""
    if not _LABEL.fullmatch(label):
        raise MfaError(
            "a factor's label is 1 to 64 letters, digits, spaces or . , ' ( ) -",
            hint='choose a short name such as "phone" or "work laptop"',
        )


def _totp(secret: bytes) -> pyotp.TOTP:
    encoded = base64.b32encode(secret).decode("ascii")
    return pyotp.TOTP(encoded, digits=DIGITS, interval=STEP_SECONDS, digest=hashlib.sha1)
