"""Verifying a signed mandate before anything runs under it.

Verification raises and returns nothing: a caller cannot forget to look at the result. The
signature file is read by :mod:`sceau.mandate.signature`, the key looked up in
:mod:`sceau.mandate.signers`; the signed bytes name the signer as the store knows the key. Each
refusal has its own ``reason`` (a stable word the caller records in a MandateRefused event) and
its own plain message. The public key comes from the state store's ``signers`` table, never from
the signature file, and the signer's account must still be an active controller. Nothing is
emitted here: recording the refusal is the caller's job.

    reason           when
    unreadable       the mandate file cannot be read
    unsigned         no signature file beside the mandate
    malformed        the signature file is not one sceau wrote
    changed          the mandate's bytes differ from those that were signed
    unknown-signer   the signature's key is not registered in this state store
    revoked-signer   the signature's key was revoked
    bad-signature    the signature does not match
    signer-account   the signer's account is missing, disabled or not a controller
    invalid          the mandate does not parse or breaks a rule
    not-yet-valid    before validity.from
    expired          at or after validity.until
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from sceau.crypto import signing
from sceau.crypto.signing import SignatureError
from sceau.mandate.model import Mandate, MandateError
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import check_mandate
from sceau.mandate.signature import (
    VerificationError,
    read_mandate,
    read_signature,
    signature_path,
    signed_message,
)
from sceau.mandate.signers import CONTROLLER, account_role, find_signer

REASONS = (
    "unreadable",
    "unsigned",
    "malformed",
    "changed",
    "unknown-signer",
    "revoked-signer",
    "bad-signature",
    "signer-account",
    "invalid",
    "not-yet-valid",
    "expired",
)


@dataclass(frozen=True)
class VerifiedMandate:
    """A mandate whose signature, signer and validity were checked, with what was checked."""

    mandate: Mandate
    sha256: str  # of the file's exact bytes
    fingerprint: str
    signer: str
    signed_at: datetime
    body: bytes


def verify_mandate(path: Path, engine: Engine, *, now: datetime | None = None) -> None:
    """Raise VerificationError unless the mandate at ``path`` may be used at ``now``."""
    load_verified(path, engine, now=now)


def load_verified(path: Path, engine: Engine, *, now: datetime | None = None) -> VerifiedMandate:
    """The mandate at ``path``, once verified; VerificationError saying why it may not be used."""
    where = str(path)
    moment = now or datetime.now(UTC)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        body = read_mandate(path)
    except MandateError as error:
        raise VerificationError("unreadable", error.message, hint=error.hint, where=where) from None
    digest = hashlib.sha256(body).hexdigest()
    signature = read_signature(signature_path(path), where)
    if signature.mandate_sha256 != digest:
        raise VerificationError(
            "changed",
            "the mandate was changed after signing",
            hint="use the file exactly as signed, or have the new version signed",
            where=where,
        )
    signer = find_signer(engine, signature.fingerprint)
    if signer is None:
        raise VerificationError(
            "unknown-signer",
            "unknown signer: the key that signed is not registered in this state store",
            hint="only mandates signed with a key made by `sceau keys new-signer` here are valid",
            where=where,
        )
    if signer.revoked_at is not None:
        raise VerificationError(
            "revoked-signer",
            f"the signer's key was revoked on {signer.revoked_at:%Y-%m-%d}",
            hint="have the mandate signed again with a valid key",
            where=where,
        )
    message = signed_message(
        digest, signature.mandate_id, signer.name, signature.fingerprint, signature.signed_at
    )
    try:
        if signature.signer != signer.name:  # the name the file gives is signed: it must hold
            raise SignatureError("the signer's name differs")
        signing.verify(signer.public_key, signature.signature, signing.MANDATE, message)
    except SignatureError:
        raise VerificationError(
            "bad-signature",
            "the signature does not match the mandate",
            hint="the signature file was altered or belongs to another mandate; sign it again",
            where=where,
        ) from None
    _check_account(engine, signer.user, where)
    mandate = _parse(body, where)
    if mandate.mandate_id != signature.mandate_id:
        raise VerificationError(
            "malformed", "the signature names another mandate_id", where=f"{where}.sig"
        )
    if moment < mandate.valid_from:
        raise VerificationError(
            "not-yet-valid",
            f"the mandate is not valid before {mandate.valid_from:%Y-%m-%d %H:%M %Z}",
            hint="wait for its validity to start, or have new dates signed",
            where=f"{where}: validity.from",
        )
    if moment >= mandate.valid_until:
        raise VerificationError(
            "expired",
            f"the mandate expired on {mandate.valid_until:%Y-%m-%d %H:%M %Z}",
            hint="have a new mandate signed for the work left",
            where=f"{where}: validity.until",
        )
    return VerifiedMandate(
        mandate=mandate,
        sha256=digest,
        fingerprint=signature.fingerprint,
        signer=signer.name,
        signed_at=datetime.fromisoformat(signature.signed_at),
        body=body,
    )


def _check_account(engine: Engine, user: str | None, where: str) -> None:
    role, disabled = account_role(engine, user)
    if role is None:
        problem = "no longer exists"
    elif disabled:
        problem = "is disabled"
    elif role != CONTROLLER:
        problem = f"is not a controller (it is {role})"
    else:
        return
    raise VerificationError(
        "signer-account",
        f"the signer's account {problem}: only a controller's signature makes a mandate",
        hint="have the mandate signed by the lab's controller",
        where=where,
    )


def _parse(body: bytes, where: str) -> Mandate:
    try:
        mandate = parse_mandate(body, where=where)
        check_mandate(mandate)
    except MandateError as error:
        raise VerificationError(
            "invalid", error.message, hint=error.hint, where=error.where
        ) from None
    return mandate
