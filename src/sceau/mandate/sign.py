"""Signing a mandate: the controller's key signs the exact bytes of a mandate that follows the
rules; the signature goes to ``<mandate>.sig`` (:mod:`sceau.mandate.signature`) and the mandate,
byte for byte, into the ``mandates`` table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, delete, insert

from sceau.crypto import signing
from sceau.events import EventSink, MandateSigned
from sceau.mandate.model import MandateError
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import check_mandate
from sceau.mandate.signature import (
    MandateSignature,
    read_mandate,
    signature_document,
    signature_path,
    signed_message,
    write_private_file,
)
from sceau.mandate.signers import (
    CONTROLLER,
    account_role,
    find_signer,
    load_signer_key,
    utc,
    write_rows,
)
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
    mandate = parse_mandate(body, where=str(path))
    check_mandate(mandate)
    if moment >= mandate.valid_until:
        raise MandateError(
            f"the mandate expired on {mandate.valid_until:%Y-%m-%d %H:%M %Z}; it cannot be signed",
            hint="set new dates in [validity]",
            where=f"{path}: validity.until",
        )
    role, disabled = account_role(engine, user)
    if role != CONTROLLER or disabled:
        raise MandateError(
            "only an active controller account may sign a mandate",
            hint="the lab's director or DPO signs, with their own account",
        )
    key = load_signer_key(key_path, passphrase)
    signer = find_signer(engine, signing.fingerprint(signing.public_bytes(key)))
    if signer is None:
        raise MandateError(
            "this key is not a registered signer",
            hint="create your key with `sceau keys new-signer`",
            where=str(key_path),
        )
    if signer.revoked_at is not None or signer.user != user:
        reason = "was revoked" if signer.revoked_at is not None else "belongs to another account"
        raise MandateError(f"this signer key {reason}", where=str(key_path))
    if signer.name != user:  # made before a key carried its owner's name and no other
        raise MandateError(
            "this signer key carries another name than its owner's account",
            hint="create a new key with `sceau keys new-signer` and sign with it",
            where=str(key_path),
        )
    if announce is not None:  # the person sees whose key signs before it does
        announce(signer.name, signer.fingerprint)
    digest = hashlib.sha256(body).hexdigest()
    signed_at = moment.isoformat(timespec="seconds")
    message = signed_message(digest, mandate.mandate_id, signer.name, signer.fingerprint, signed_at)
    text = signature_document(
        MandateSignature(
            mandate_id=mandate.mandate_id,
            mandate_sha256=digest,
            signer=signer.name,
            fingerprint=signer.fingerprint,
            signed_at=signed_at,
            signature=signing.sign(key, signing.MANDATE, message),
        )
    )
    record = {
        "sha256": digest,
        "mandate_id": mandate.mandate_id,
        "body": body.decode("utf-8"),
        "signature": text,
        "fingerprint": signer.fingerprint,
        "signed_at": moment,
    }
    sig_path = signature_path(path)
    forget = delete(mandates).where(mandates.c.sha256 == digest)
    write_rows(engine, forget, insert(mandates).values(**record))
    try:
        write_private_file(sig_path, text.encode("utf-8"), overwrite=True)
        try:
            events.record(
                MandateSigned(
                    actor=user,
                    mandate_id=mandate.mandate_id,
                    mandate_sha256=digest,
                    fingerprint=signer.fingerprint,
                )
            )
        except BaseException:
            sig_path.unlink(missing_ok=True)
            raise
    except BaseException:
        write_rows(engine, forget)
        raise
    return sig_path
