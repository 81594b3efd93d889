"""Verifying a signed mandate before anything runs under it.

Verification raises and returns nothing: a caller cannot forget to look at the result. Each
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

import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine

from sceau import b64
from sceau.mandate.model import Mandate, MandateError
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import check_mandate
from sceau.mandate.sign import (
    CONTROLLER,
    SIGNATURE_FORMAT,
    SIGNATURE_VERSION,
    account_role,
    find_signer,
    read_mandate,
    signature_path,
    signed_message,
)

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
_MAX_SIGNATURE_BYTES = 64 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = {
    "format",
    "version",
    "algorithm",
    "mandate_id",
    "mandate_sha256",
    "signer",
    "fingerprint",
    "signed_at",
    "signature",
}


class VerificationError(MandateError):
    """A mandate that may not be used; ``reason`` is one of the words in the module's table."""

    def __init__(self, reason: str, message: str, *, hint: str = "", where: str = "") -> None:
        super().__init__(message, hint=hint, where=where)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedMandate:
    """A mandate whose signature, signer and validity were checked, with what was checked."""

    mandate: Mandate
    sha256: str  # of the file's exact bytes
    fingerprint: str
    signer: str
    signed_at: datetime
    body: bytes


@dataclass(frozen=True)
class _Signature:
    mandate_id: str
    mandate_sha256: str
    signer: str
    fingerprint: str
    signed_at: str
    signature: bytes


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
    signature = _read_signature(signature_path(path), where)
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
        digest, signature.mandate_id, signature.fingerprint, signature.signed_at
    )
    try:
        Ed25519PublicKey.from_public_bytes(signer.public_key).verify(signature.signature, message)
    except InvalidSignature:
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


def _read_signature(path: Path, where: str) -> _Signature:
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_SIGNATURE_BYTES + 1)
    except FileNotFoundError:
        raise VerificationError(
            "unsigned",
            "the mandate is unsigned: there is no signature file beside it",
            hint="have the controller sign it with `sceau mandate sign`",
            where=where,
        ) from None
    except OSError as error:
        raise VerificationError(
            "malformed",
            f"cannot read the signature file ({error.strerror or type(error).__name__})",
            where=str(path),
        ) from None
    try:
        return _signature(json.loads(raw.decode("utf-8")), len(raw))
    except (ValueError, TypeError, KeyError, RecursionError, binascii.Error):
        raise VerificationError(
            "malformed",
            "the signature file is malformed",
            hint="use the .sig file `sceau mandate sign` wrote, unchanged",
            where=str(path),
        ) from None


def _signature(document: object, size: int) -> _Signature:
    """The signature file's fields, each checked; ValueError for anything off."""
    if size > _MAX_SIGNATURE_BYTES or not isinstance(document, dict):
        raise ValueError
    if set(document) != _FIELDS:
        raise ValueError
    if (document["format"], document["version"], document["algorithm"]) != (
        SIGNATURE_FORMAT,
        SIGNATURE_VERSION,
        "ed25519",
    ) or isinstance(document["version"], bool):
        raise ValueError
    text = {k: document[k] for k in _FIELDS - {"format", "version", "algorithm"}}
    if not all(isinstance(value, str) for value in text.values()):
        raise ValueError
    if not (_HEX64.fullmatch(text["mandate_sha256"]) and _HEX64.fullmatch(text["fingerprint"])):
        raise ValueError
    signed_at = datetime.fromisoformat(text["signed_at"])
    if signed_at.tzinfo is None:
        raise ValueError
    signature = b64.decode(text["signature"])
    if len(signature) != 64:
        raise ValueError
    return _Signature(
        mandate_id=text["mandate_id"],
        mandate_sha256=text["mandate_sha256"],
        signer=text["signer"],
        fingerprint=text["fingerprint"],
        signed_at=text["signed_at"],
        signature=signature,
    )
