"""WebAuthn (security keys, passkeys): the main second factor, for the web service.

A WebAuthn signature is bound to the site's origin, so a phishing page cannot relay it, and
the private key never leaves the authenticator: there is no shared secret for an insider to
copy from the store. This module is the relying party's half, as functions the service calls:

    options = registration_options(engine, rp, user)   # to navigator.credentials.create()
    factor = register(engine, events, rp, user, response, label="YubiKey")
    options = authentication_options(engine, rp, user)  # to navigator.credentials.get()
    factor = authenticate(engine, rp, user, response)

Each challenge is random (64 bytes), kept server-side as its SHA-256 with a 5-minute expiry,
and consumed by the first response that names it, right or wrong: a replayed response finds
no challenge. The relying party's id and origin come from the settings (``webauthn_rp_id``,
``webauthn_origin``). User verification (PIN, fingerprint) is asked for, not required, so
simple security keys still work. A signature counter that does not grow (when the key keeps
one) is refused: it is the sign of a cloned key. Verification is py_webauthn's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import webauthn as relying_party
from sqlalchemy import Engine, delete, insert, select, update
from webauthn.helpers import (
    parse_authentication_credential_json,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from sceau.accounts.factors import Kind, WrongFactor, insert_factor
from sceau.accounts.totp import check_label
from sceau.accounts.users import utc
from sceau.config import Settings
from sceau.events import EventSink, MfaEnrolled
from sceau.store.schema import mfa_factors, webauthn_challenges

CHALLENGE_MINUTES = 5
_TIMEOUT_MS = CHALLENGE_MINUTES * 60_000
REGISTER = "register"
AUTHENTICATE = "authenticate"


@dataclass(frozen=True)
class RelyingParty:
    """Who the browser is talking to: the domain (rp id), the site's origins, a display name."""

    rp_id: str
    name: str
    origins: list[str] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Settings) -> RelyingParty:
        return cls(settings.webauthn_rp_id, settings.installation, settings.webauthn_origins)


def registration_options(
    engine: Engine, rp: RelyingParty, user: str, *, now: datetime | None = None
) -> str:
    """JSON for ``navigator.credentials.create()``; the account's keys are excluded."""
    options = relying_party.generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.name,
        user_name=user,
        user_id=user_handle(user),
        timeout=_TIMEOUT_MS,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(engine, user),
    )
    _remember(engine, user, REGISTER, options.challenge, now)
    return relying_party.options_to_json(options)


def register(
    engine: Engine,
    events: EventSink,
    rp: RelyingParty,
    user: str,
    response: str | Mapping[str, Any],
    *,
    label: str,
    now: datetime | None = None,
) -> int:
    """Verify the browser's answer to :func:`registration_options` and store the new key."""
    now = utc(now or datetime.now(UTC))
    check_label(label)
    try:
        credential = parse_registration_credential_json(_text(response))
        challenge = _consume(engine, user, REGISTER, credential.response.client_data_json, now)
        verified = relying_party.verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origins,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise _refusal(error, "the security key could not be registered") from None
    transports = ",".join(t.value for t in credential.response.transports or [])
    with engine.begin() as connection:
        factor_id = insert_factor(
            connection,
            user=user,
            kind=Kind.WEBAUTHN.value,
            label=label,
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            transports=transports[:128],
            created_at=now,
        )
    events.record(
        MfaEnrolled(actor=user, user=user, kind=Kind.WEBAUTHN.value, factor=factor_id, at=now)
    )
    with engine.begin() as connection:
        connection.execute(
            update(mfa_factors).where(mfa_factors.c.factor_id == factor_id).values(confirmed_at=now)
        )
    return factor_id


def authentication_options(
    engine: Engine, rp: RelyingParty, user: str, *, now: datetime | None = None
) -> str:
    """JSON for ``navigator.credentials.get()``, allowing the account's own keys only."""
    options = relying_party.generate_authentication_options(
        rp_id=rp.rp_id,
        timeout=_TIMEOUT_MS,
        allow_credentials=_descriptors(engine, user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _remember(engine, user, AUTHENTICATE, options.challenge, now)
    return relying_party.options_to_json(options)


def authenticate(
    engine: Engine,
    rp: RelyingParty,
    user: str,
    response: str | Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> int:
    """The id of ``user``'s key that signed the response; :class:`WrongFactor` otherwise."""
    now = utc(now or datetime.now(UTC))
    try:
        credential = parse_authentication_credential_json(_text(response))
        challenge = _consume(engine, user, AUTHENTICATE, credential.response.client_data_json, now)
        with engine.connect() as connection:
            row = connection.execute(
                select(mfa_factors).where(
                    mfa_factors.c.user == user,
                    mfa_factors.c.kind == Kind.WEBAUTHN.value,
                    mfa_factors.c.credential_id == credential.raw_id,
                    mfa_factors.c.confirmed_at.is_not(None),
                )
            ).one_or_none()
        if row is None:
            raise WrongFactor(
                "this security key is not enrolled for this account",
                kind=Kind.WEBAUTHN,
                reason="unknown credential",
                hint="use a key enrolled with `sceau mfa` or the web console",
            )
        verified = relying_party.verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origins,
            credential_public_key=row.public_key,
            credential_current_sign_count=row.sign_count,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as error:
        raise _refusal(error, "the security key's answer was refused") from None
    with engine.begin() as connection:  # the count must still be the one checked against
        claimed = connection.execute(
            update(mfa_factors)
            .where(
                mfa_factors.c.factor_id == row.factor_id,
                mfa_factors.c.sign_count == row.sign_count,
            )
            .values(sign_count=verified.new_sign_count, last_used_at=now)
        ).rowcount
    if claimed != 1:
        raise WrongFactor(
            "the security key was used twice at once",
            kind=Kind.WEBAUTHN,
            reason="sign count raced",
            hint="try again; if it repeats, the key may have been cloned: tell security",
        )
    return int(row.factor_id)


def user_handle(user: str) -> bytes:
    """The account's WebAuthn user handle: stable, and not the name itself."""
    return hashlib.sha256(f"sceau webauthn user handle v1\n{user}".encode()).digest()


def _descriptors(engine: Engine, user: str) -> list[PublicKeyCredentialDescriptor]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(mfa_factors.c.credential_id, mfa_factors.c.transports).where(
                mfa_factors.c.user == user,
                mfa_factors.c.kind == Kind.WEBAUTHN.value,
                mfa_factors.c.confirmed_at.is_not(None),
            )
        ).all()
    return [
        PublicKeyCredentialDescriptor(
            id=row.credential_id,
            transports=[AuthenticatorTransport(t) for t in (row.transports or "").split(",") if t]
            or None,
        )
        for row in rows
    ]


def _remember(
    engine: Engine, user: str, purpose: str, challenge: bytes, now: datetime | None
) -> None:
    now = utc(now or datetime.now(UTC))
    with engine.begin() as connection:
        connection.execute(
            delete(webauthn_challenges).where(webauthn_challenges.c.expires_at < now)
        )
        connection.execute(
            insert(webauthn_challenges).values(
                digest=_digest(challenge),
                user=user,
                purpose=purpose,
                expires_at=now + timedelta(minutes=CHALLENGE_MINUTES),
            )
        )


def _consume(
    engine: Engine, user: str, purpose: str, client_data_json: bytes, now: datetime
) -> bytes:
    """The challenge the response answers, deleted as it is taken: a second use finds nothing."""
    challenge = parse_client_data_json(client_data_json).challenge
    with engine.begin() as connection:
        row = connection.execute(
            select(webauthn_challenges).where(webauthn_challenges.c.digest == _digest(challenge))
        ).one_or_none()
        taken = connection.execute(
            delete(webauthn_challenges).where(
                webauthn_challenges.c.digest == _digest(challenge),
                webauthn_challenges.c.user == user,
                webauthn_challenges.c.purpose == purpose,
            )
        ).rowcount
    if row is None or taken != 1:
        raise WrongFactor(
            "this answer is for a challenge sceau did not issue, or one already used",
            kind=Kind.WEBAUTHN,
            reason="unknown or used challenge",
            hint="start again from the page: each attempt has its own challenge",
        )
    if utc(row.expires_at) <= now:
        raise WrongFactor(
            "the security key answered too late",
            kind=Kind.WEBAUTHN,
            reason="expired challenge",
            hint=f"start again and answer within {CHALLENGE_MINUTES} minutes",
        )
    return challenge


def _refusal(error: Exception, message: str) -> WrongFactor:
    """A refusal in sceau's words; the library's message may quote what the browser sent."""
    if isinstance(error, WrongFactor):
        return error
    text = str(error).lower()
    reasons = (
        ("origin", "wrong origin"),
        ("rp id", "wrong relying party"),
        ("sign count", "sign count went back"),
        ("challenge", "wrong challenge"),
        ("signature", "bad signature"),
        ("user was not present", "user not present"),
    )
    reason = next((why for needle, why in reasons if needle in text), "invalid response")
    hint = (
        "the key may have been cloned: tell security, and remove it with `sceau mfa remove`"
        if reason == "sign count went back"
        else "try again from the web console's own address"
    )
    return WrongFactor(f"{message} ({reason})", kind=Kind.WEBAUTHN, reason=reason, hint=hint)


def _text(response: str | Mapping[str, Any]) -> str:
    return response if isinstance(response, str) else json.dumps(dict(response))


def _digest(challenge: bytes) -> str:
    return hashlib.sha256(challenge).hexdigest()
