"""The files of a signed mandate: the mandate's exact bytes and the signature beside it.

``<mandate>.sig`` is JSON (format ``sceau-mandate-signature``, version 2). Its signature is
Ed25519 over the bytes :func:`signed_message` builds, under the context label
``sceau mandate v2`` (:mod:`sceau.crypto.signing`): five lines of text joined by ``\\n``, without
a final newline. Version 1, whose signed bytes left out the signer's name, is refused with a
request to sign again. The recipe, step by step, is in docs/recipes.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sceau import b64
from sceau.crypto import signing
from sceau.files import write_atomic
from sceau.mandate.model import MandateError

SIGNATURE_FORMAT = "sceau-mandate-signature"
SIGNATURE_VERSION = 2
MAX_MANDATE_BYTES = 4 * 1024 * 1024
_MAX_SIGNATURE_BYTES = 64 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ONE_LINE = re.compile(r"[^\n\r]+")
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
    """A mandate that may not be used; ``reason`` is one of the words in
    :mod:`sceau.mandate.verify`'s table."""

    def __init__(self, reason: str, message: str, *, hint: str = "", where: str = "") -> None:
        super().__init__(message, hint=hint, where=where)
        self.reason = reason


@dataclass(frozen=True)
class MandateSignature:
    """What a signature file says, every field checked for shape (not yet the signature)."""

    mandate_id: str
    mandate_sha256: str
    signer: str
    fingerprint: str
    signed_at: str
    signature: bytes


def signature_path(mandate_path: Path) -> Path:
    """Where a mandate's signature lives: beside it, ``<name>.sig``."""
    return mandate_path.with_name(mandate_path.name + ".sig")


def signed_message(
    mandate_sha256: str, mandate_id: str, signer: str, fingerprint: str, signed_at: str
) -> bytes:
    """The message a mandate signature covers (after the context label): the mandate's
    SHA-256, its id, the signer's name, the key's fingerprint and the time, one per line."""
    fields = (mandate_sha256, mandate_id, signer, fingerprint, signed_at)
    if not all(_ONE_LINE.fullmatch(field) for field in fields):
        raise ValueError("a signed field is one line")
    return "\n".join(fields).encode("utf-8")


def signature_document(signed: MandateSignature) -> str:
    """The signature file's text: indented JSON and a final newline."""
    document = {
        "format": SIGNATURE_FORMAT,
        "version": SIGNATURE_VERSION,
        "algorithm": signing.ALGORITHM,
        "mandate_id": signed.mandate_id,
        "mandate_sha256": signed.mandate_sha256,
        "signer": signed.signer,
        "fingerprint": signed.fingerprint,
        "signed_at": signed.signed_at,
        "signature": base64.b64encode(signed.signature).decode("ascii"),
    }
    return json.dumps(document, indent=2) + "\n"


def read_mandate(path: Path) -> bytes:
    """A mandate file's exact bytes; MandateError if it cannot be read or is implausibly big."""
    try:
        with path.open("rb") as handle:
            body = handle.read(MAX_MANDATE_BYTES + 1)
    except OSError as error:
        raise MandateError(
            f"cannot read the mandate ({error.strerror or type(error).__name__})",
            hint="check the path and its permissions",
            where=str(path),
        ) from None
    if len(body) > MAX_MANDATE_BYTES:
        raise MandateError("the file is too big to be a mandate", where=str(path))
    return body


def read_signature(path: Path, where: str) -> MandateSignature:
    """The signature file at ``path``; VerificationError ``unsigned`` or ``malformed``."""
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
    return parse_signature(raw, str(path))


def parse_signature(raw: bytes, where: str) -> MandateSignature:
    """A signature document's fields, each checked for shape; VerificationError ``malformed``."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, dict) and _is_version_one(document.get("version")):
        raise VerificationError(
            "malformed",
            "the signature file is in sceau's first format, which did not sign the signer's name",
            hint="have the controller sign the mandate again with `sceau mandate sign`",
            where=where,
        )
    try:
        return _signature(document, len(raw))
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise VerificationError(
            "malformed",
            "the signature file is malformed",
            hint="use the .sig file `sceau mandate sign` wrote, unchanged",
            where=where,
        ) from None


def write_private_file(path: Path, data: bytes, *, overwrite: bool, hint: str = "") -> None:
    """Write ``data`` to ``path``, mode 0600, whole or not at all; without ``overwrite`` an
    existing file is refused (atomically too) and left as it was."""
    try:
        write_atomic(path, data, overwrite=overwrite)
    except FileExistsError:
        raise MandateError(
            "the file already exists; it was left as it was",
            hint=hint or "choose another file name",
            where=str(path),
        ) from None
    except OSError as error:
        raise MandateError(
            f"cannot write the file ({error.strerror or type(error).__name__})",
            hint="check the folder exists and that you may write to it",
            where=str(path),
        ) from None


def _is_version_one(version: object) -> bool:
    return type(version) is int and version == 1


def _signature(document: object, size: int) -> MandateSignature:
    """The signature file's fields, each checked; ValueError for anything off."""
    if size > _MAX_SIGNATURE_BYTES or not isinstance(document, dict):
        raise ValueError
    if set(document) != _FIELDS:
        raise ValueError
    if (document["format"], document["version"], document["algorithm"]) != (
        SIGNATURE_FORMAT,
        SIGNATURE_VERSION,
        signing.ALGORITHM,
    ) or isinstance(document["version"], bool):
        raise ValueError
    text = {k: document[k] for k in _FIELDS - {"format", "version", "algorithm"}}
    if not all(isinstance(value, str) and _ONE_LINE.fullmatch(value) for value in text.values()):
        raise ValueError
    if not (_HEX64.fullmatch(text["mandate_sha256"]) and _HEX64.fullmatch(text["fingerprint"])):
        raise ValueError
    if datetime.fromisoformat(text["signed_at"]).tzinfo is None:
        raise ValueError
    signature = b64.decode(text["signature"])
    if len(signature) != signing.SIGNATURE_BYTES:
        raise ValueError
    return MandateSignature(
        mandate_id=text["mandate_id"],
        mandate_sha256=text["mandate_sha256"],
        signer=text["signer"],
        fingerprint=text["fingerprint"],
        signed_at=text["signed_at"],
        signature=signature,
    )
