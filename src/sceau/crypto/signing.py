"""Signatures: Ed25519 over a context label and a message, and how keys are named.

Every signature sceau makes on its own artefacts covers ``label ‖ 0x0A ‖ message``. The label
(printable ASCII, no newline) names the kind of artefact and its version, ``sceau mandate v2``
or ``sceau deletion certificate v1``, so a signature made for one kind never verifies as
another, even under the same key; as the label ends at the first newline, two different
(label, message) pairs never give the same bytes.

A key is named by its fingerprint: SHA-256 of the raw 32-byte public key, 64 lower-case hex
digits. A public key leaves sceau as PEM (SubjectPublicKeyInfo) for OpenSSL or PyNaCl users.
The exact bytes of each artefact are in docs/recipes.md.
"""

from __future__ import annotations

import hashlib
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sceau.errors import SceauError

MANDATE = "sceau mandate v2"
CERTIFICATE = "sceau deletion certificate v1"
ALGORITHM = "ed25519"
SIGNATURE_BYTES = 64
_LABEL = re.compile(r"[ -~]{1,100}")

PrivateKey = Ed25519PrivateKey


class SignatureError(SceauError):
    """A signature does not match its message, context or key."""


def labelled(context: str, message: bytes) -> bytes:
    """The bytes a signature for ``context`` covers: the label, a newline, the message."""
    if not _LABEL.fullmatch(context):
        raise ValueError("a signature context is printable ASCII")
    return context.encode("ascii") + b"\n" + message


def sign(private: PrivateKey, context: str, message: bytes) -> bytes:
    """An Ed25519 signature of ``message`` for ``context`` (64 bytes)."""
    return private.sign(labelled(context, message))


def verify(public_key: bytes, signature: bytes, context: str, message: bytes) -> None:
    """Raise SignatureError unless ``signature`` is ``public_key``'s on ``message`` for
    ``context``."""
    verify_unlabelled(public_key, signature, labelled(context, message))


def sign_unlabelled(private: PrivateKey, message: bytes) -> bytes:
    """A plain Ed25519 signature, for formats that define their own signed bytes and are
    checked by tools sceau did not write (the audit checkpoints). Its key signs nothing else."""
    return private.sign(message)


def verify_unlabelled(public_key: bytes, signature: bytes, message: bytes) -> None:
    """Raise SignatureError unless ``signature`` is ``public_key``'s on exactly ``message``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise SignatureError("the signature does not match") from None


def generate() -> PrivateKey:
    """A new Ed25519 key, from the operating system's generator."""
    return Ed25519PrivateKey.generate()


def from_seed(seed: bytes) -> PrivateKey:
    """The key whose raw 32-byte private form (RFC 8032's seed) is ``seed``."""
    return Ed25519PrivateKey.from_private_bytes(seed)


def seed(private: PrivateKey) -> bytes:
    """The raw 32-byte private form: to keep wrapped, or to derive a sub-key from."""
    return private.private_bytes_raw()


def public_bytes(private: PrivateKey) -> bytes:
    """The raw 32-byte public key."""
    return private.public_key().public_bytes_raw()


def fingerprint(public_key: bytes) -> str:
    """SHA-256 of the raw public key, lower-case hex: how a key is named and pinned."""
    return hashlib.sha256(public_key).hexdigest()


def grouped(fingerprint: str) -> str:
    """A fingerprint in groups of four hex digits, for a person to compare aloud or on paper."""
    return " ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4))


def public_pem(public_key: bytes) -> str:
    """A raw public key as PEM (SubjectPublicKeyInfo), as OpenSSL and PyNaCl users read it."""
    key = Ed25519PublicKey.from_public_bytes(public_key)
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def private_pem(private: PrivateKey, password: bytes | None = None) -> bytes:
    """The private key as PKCS#8 PEM, encrypted under ``password`` when one is given."""
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def load_private_pem(data: bytes, password: bytes | None = None) -> PrivateKey | None:
    """The Ed25519 key in a PKCS#8 PEM, or None if it is not one or the password is wrong."""
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, Ed25519PrivateKey) else None
