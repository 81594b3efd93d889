"""Signing a mandate: the controller's key signs the exact bytes of a mandate that follows the
rules; the signature goes to ``<mandate>.sig`` (:mod:`sceau.mandate.signature`) and the mandate,
byte for byte, into the ``mandates`` table.

Two ways in, one set of checks and one record: :func:`sign_mandate` signs here with the key
file; :func:`accept_signed` takes a signature made elsewhere (the controller's machine, their
browser) with a key whose private half never reaches the store, and proves it as
``sceau mandate verify`` does before keeping it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, delete, insert

from sceau.crypto import signing
from sceau.events import EventSink, MandateRefused, MandateSigned
from sceau.mandate.model import Mandate, MandateError
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import check_mandate
from sceau.mandate.proof import ProvenTrail
from sceau.mandate.signature import (
    MandateSignature,
    VerificationError,
    parse_signature,
    read_mandate,
    signature_document,
    signature_path,
    signed_message,
    write_private_file,
)
from sceau.mandate.signers import (
    CONTROLLER,
    Signer,
    account_role,
    find_signer,
    load_signer_key,
    utc,
    write_rows,
)
from sceau.mandate.verify import verified_signature
from sceau.store.schema import mandates


def sign_mandate(
    path: Path,
    key_path: Path,
    passphrase: str,
    engine: Engine,
    events: EventSink,
    *,
    user: str,
    now: datetime | None = None,
    announce: Callable[[str, str], None] | None = None,
) -> Path:
    """Sign the mandate at ``path`` as ``user``, a controller; returns the signature's path.

    The mandate must parse within its bounds, follow the rules and not have expired: an
    invalid mandate is never signed. The key must be ``user``'s own registered, unrevoked
    signer key; ``announce`` is told its owner and fingerprint before it signs. ``sceau mandate
    sign`` first runs the checks of :mod:`sceau.migrate.preflight` too (the destination's
    names, the drift scan), which this room cannot import.
    """
    moment = utc(now)
    body = read_mandate(path)
    mandate = signable(body, engine, user=user, moment=moment, where=str(path))
    key = load_signer_key(key_path, passphrase)
    signer = own_signer(engine, signing.fingerprint(signing.public_bytes(key)), user, str(key_path))
    if announce is not None:  # the person sees whose key signs before it does
        announce(signer.name, signer.fingerprint)
    signed = signature_of(body, mandate.mandate_id, key, signer=signer.name, moment=moment)
    sig_path = signature_path(path)
    written: list[Path] = []

    def beside(text: str) -> None:
        write_private_file(sig_path, text.encode("utf-8"), overwrite=True)
        written.append(sig_path)

    try:
        _record(engine, events, body, signed, user=user, moment=moment, keep=beside)
    except BaseException:
        for done in written:  # a signature the trail does not hold is not left beside it
            done.unlink(missing_ok=True)
        raise
    return sig_path


def signature_of(
    body: bytes, mandate_id: str, key: signing.PrivateKey, *, signer: str, moment: datetime
) -> MandateSignature:
    """``key``'s signature, as ``signer`` (their account's name), on the mandate's exact bytes:
    what the controller's machine makes without any store (``sceau --server URL mandate
    sign``), and what the console's script makes the same way in the browser."""
    digest = hashlib.sha256(body).hexdigest()
    fingerprint = signing.fingerprint(signing.public_bytes(key))
    signed_at = utc(moment).isoformat(timespec="seconds")
    message = signed_message(digest, mandate_id, signer, fingerprint, signed_at)
    return MandateSignature(
        mandate_id=mandate_id,
        mandate_sha256=digest,
        signer=signer,
        fingerprint=fingerprint,
        signed_at=signed_at,
        signature=signing.sign(key, signing.MANDATE, message),
    )


def accept_signed(
    body: bytes,
    signature: bytes,
    engine: Engine,
    events: EventSink,
    trail: ProvenTrail,
    *,
    user: str,
    now: datetime | None = None,
) -> str:
    """Keep a mandate ``user`` signed elsewhere; returns its SHA-256.

    The same checks as :func:`sign_mandate` (the rules, the dates, an active controller, their
    own registered, unrevoked key), and the signature proven as ``sceau mandate verify`` proves
    it: the exact bytes, the key registered by its owner in the audit trail, never revoked. A
    signature that fails is recorded (``mandate.refused``, with the reason), as verify does.
    """
    moment = utc(now)
    signable(body, engine, user=user, moment=moment, where="mandate")
    signed = parse_signature(signature, "signature")
    try:
        verified_signature(body, signed, engine, trail, "signature")
    except VerificationError as error:
        digest = hashlib.sha256(body).hexdigest()
        events.record(MandateRefused(actor=user, mandate_sha256=digest, reason=error.reason))
        raise
    own_signer(engine, signed.fingerprint, user, "signature")
    _record(engine, events, body, signed, user=user, moment=moment)
    return signed.mandate_sha256


def signable(body: bytes, engine: Engine, *, user: str, moment: datetime, where: str) -> Mandate:
    """The mandate in ``body`` if ``user`` may sign it at ``moment``: it parses within its
    bounds, follows the rules, has not expired, and ``user`` is an active controller."""
    mandate = parse_mandate(body, where=where)
    check_mandate(mandate)
    if moment >= mandate.valid_until:
        raise MandateError(
            f"the mandate expired on {mandate.valid_until:%Y-%m-%d %H:%M %Z}; it cannot be signed",
            hint="set new dates in [validity]",
            where=f"{where}: validity.until",
        )
    role, disabled = account_role(engine, user)
    if role != CONTROLLER or disabled:
        raise MandateError(
            "only an active controller account may sign a mandate",
            hint="the lab's director or DPO signs, with their own account",
        )
    return mandate


def own_signer(engine: Engine, fingerprint: str, user: str, where: str) -> Signer:
    """The registered signer key ``fingerprint`` if it is ``user``'s own and not revoked."""
    signer = find_signer(engine, fingerprint)
    if signer is None:
        raise MandateError(
            "this key is not a registered signer",
            hint="create your key with `sceau keys new-signer`, or on the console's keys page",
            where=where,
        )
    if signer.revoked_at is not None or signer.user != user:
        reason = "was revoked" if signer.revoked_at is not None else "belongs to another account"
        raise MandateError(
            f"this signer key {reason}",
            hint="sign with your own key: `sceau keys signers` lists the keys and their owners",
            where=where,
        )
    if signer.name != user:  # made before a key carried its owner's name and no other
        raise MandateError(
            "this signer key carries another name than its owner's account",
            hint="create a new key with `sceau keys new-signer` and sign with it",
            where=where,
        )
    return signer


def _record(
    engine: Engine,
    events: EventSink,
    body: bytes,
    signed: MandateSignature,
    *,
    user: str,
    moment: datetime,
    keep: Callable[[str], None] | None = None,
) -> None:
    """The signed mandate into the ``mandates`` table and the trail (``mandate.signed``); the
    row is taken back if ``keep`` (writing the signature somewhere) or the trail fails."""
    text = signature_document(signed)
    record = {
        "sha256": signed.mandate_sha256,
        "mandate_id": signed.mandate_id,
        "body": body.decode("utf-8"),
        "signature": text,
        "fingerprint": signed.fingerprint,
        "signed_at": moment,
    }
    forget = delete(mandates).where(mandates.c.sha256 == signed.mandate_sha256)
    write_rows(engine, forget, insert(mandates).values(**record))
    try:
        if keep is not None:
            keep(text)
        events.record(
            MandateSigned(
                actor=user,
                mandate_id=signed.mandate_id,
                mandate_sha256=signed.mandate_sha256,
                fingerprint=signed.fingerprint,
            )
        )
    except BaseException:
        write_rows(engine, forget)
        raise
