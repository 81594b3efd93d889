"""Verifying a signed mandate before anything runs under it.

Verification raises and returns nothing: a caller cannot forget to look at the result. The
signature file is read by :mod:`sceau.mandate.signature`, the key looked up in
:mod:`sceau.mandate.signers` and proven by the audit trail (:mod:`sceau.mandate.proof`): a row of
the ``signers`` table counts only if the trail, intact, records that its owner registered exactly
this public key, and never revoked it. The public key comes from the store, never from the
signature file, and the signer's account must still be an active controller. Each refusal has
its own ``reason`` (a stable word the caller records in a MandateRefused event) and its own plain
message. Nothing is emitted here: recording the refusal is the caller's job.

    reason           when
    unreadable       the mandate file cannot be read
    unsigned         no signature file beside the mandate
    malformed        the signature file is not one sceau wrote
    changed          the mandate's bytes differ from those that were signed
    trail-broken     the audit trail does not verify: no key can be proven
    unknown-signer   the signature's key is not registered in this state store
    unproven-signer  the key is in the signers table, but the trail never recorded it
    signer-mismatch  the signers table and the trail disagree about the key or its owner
    revoked-signer   the signature's key was revoked (every mandate it signed, whenever)
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
from sceau.mandate.proof import KeyProof, ProvenTrail, SignerProof, prove_signers
from sceau.mandate.signature import (
    MandateSignature,
    VerificationError,
    read_mandate,
    read_signature,
    signature_path,
    signed_message,
)
from sceau.mandate.signers import CONTROLLER, Signer, account_role, find_signer

REASONS = (
    "unreadable",
    "unsigned",
    "malformed",
    "changed",
    "trail-broken",
    "unknown-signer",
    "unproven-signer",
    "signer-mismatch",
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


def verify_mandate(
    path: Path, engine: Engine, trail: ProvenTrail | SignerProof, *, now: datetime | None = None
) -> None:
    """Raise VerificationError unless the mandate at ``path`` may be used at ``now``."""
    load_verified(path, engine, trail, now=now)


def load_verified(
    path: Path, engine: Engine, trail: ProvenTrail | SignerProof, *, now: datetime | None = None
) -> VerifiedMandate:
    """The mandate at ``path``, once verified; VerificationError saying why it may not be used.

    ``trail`` is the audit trail that proves signer keys, or what it proved already
    (:func:`~sceau.mandate.proof.prove_signers`) when several mandates are checked at once.
    """
    where = str(path)
    try:
        body = read_mandate(path)
    except MandateError as error:
        raise VerificationError("unreadable", error.message, hint=error.hint, where=where) from None
    signature = read_signature(signature_path(path), where)
    return verify_signed(body, signature, engine, trail, where=where, now=now)


def verify_signed(
    body: bytes,
    signature: MandateSignature,
    engine: Engine,
    trail: ProvenTrail | SignerProof,
    *,
    where: str,
    now: datetime | None = None,
) -> VerifiedMandate:
    """The mandate ``body`` signed by ``signature``, once verified, before either is kept on
    disk (a mandate handed to the service); VerificationError saying why it may not be used."""
    moment = now or datetime.now(UTC)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    verified = verified_signature(body, signature, engine, trail, where)
    mandate = verified.mandate
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
    return verified


def verified_signature(
    body: bytes,
    signature: MandateSignature,
    engine: Engine,
    trail: ProvenTrail | SignerProof,
    where: str,
) -> VerifiedMandate:
    """The mandate ``body`` once ``signature`` is proven its signer's, whatever the date:
    VerificationError unless the bytes are those signed, the key is registered and proven by
    the trail and unrevoked, the signature matches, the signer is an active controller and the
    mandate follows the rules. The service checks a signature handed to it this way too."""
    digest = hashlib.sha256(body).hexdigest()
    if signature.mandate_sha256 != digest:
        raise VerificationError(
            "changed",
            "the mandate was changed after signing",
            hint="use the file exactly as signed, or have the new version signed",
            where=where,
        )
    proof = trail if isinstance(trail, SignerProof) else prove_signers(trail)
    signer = find_signer(engine, signature.fingerprint)
    if signer is None:
        raise VerificationError(
            "unknown-signer",
            "unknown signer: the key that signed is not registered in this state store",
            hint="only mandates signed with a key made by `sceau keys new-signer` here are valid",
            where=where,
        )
    proven = proven_key(proof, signer, where)
    message = signed_message(
        digest, signature.mandate_id, proven.account, signature.fingerprint, signature.signed_at
    )
    try:
        if signature.signer != proven.account:  # the name the file gives is signed: it must hold
            raise SignatureError("the signer's name differs")
        signing.verify(proven.public_key, signature.signature, signing.MANDATE, message)
    except SignatureError:
        raise VerificationError(
            "bad-signature",
            "the signature does not match the mandate",
            hint="the signature file was altered or belongs to another mandate; sign it again",
            where=where,
        ) from None
    _check_account(engine, proven.account, where)
    mandate = _parse(body, where)
    if mandate.mandate_id != signature.mandate_id:
        raise VerificationError(
            "malformed", "the signature names another mandate_id", where=f"{where}.sig"
        )
    return VerifiedMandate(
        mandate=mandate,
        sha256=digest,
        fingerprint=signature.fingerprint,
        signer=proven.account,
        signed_at=datetime.fromisoformat(signature.signed_at),
        body=body,
    )


def proven_key(proof: SignerProof, signer: Signer, where: str) -> KeyProof:
    """The trail's record of ``signer``'s key; VerificationError when the trail does not prove
    it, revoked it, or tells another story than the table."""
    proven = proof.key(signer.fingerprint)
    if proven is None:
        raise VerificationError(
            "unproven-signer",
            "the signer key was registered outside sceau: it is in the signers table, but the "
            "audit trail never recorded its registration",
            hint="someone wrote to the state store directly; keep a copy of it as it is and "
            "raise it with your security officer. A controller registers a key with "
            "`sceau keys new-signer`",
            where=where,
        )
    if proven.revoked_at is not None or signer.revoked_at is not None:
        when = proven.revoked_at or signer.revoked_at
        raise VerificationError(
            "revoked-signer",
            f"the signer's key was revoked on {when:%Y-%m-%d}: no mandate it signed is valid, "
            "whenever it was signed",
            hint="have the mandate signed again with a valid key",
            where=where,
        )
    if (proven.public_key, proven.account) != (signer.public_key, signer.user) or (
        signer.name != proven.account
    ):
        raise VerificationError(
            "signer-mismatch",
            "the signers table and the audit trail disagree about the signer key "
            "(its public key or its owner)",
            hint="someone changed the state store outside sceau; keep a copy of it as it is "
            "and raise it with your security officer",
            where=where,
        )
    return proven


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
