"""The audit key: it seals every entry and signs every checkpoint.

One Ed25519 key per installation, kept in its own file (mode 0600, outside the state store):
whoever can write the database but not read this file cannot forge a seal or a checkpoint, so
any entry they change, insert, move or delete is pinpointed by ``sceau audit verify``. The seal
key is derived from the signing key (:func:`sceau.crypto.kdf.derive_key`), so there is one
secret to guard. Anyone holding the
*public* key (``sceau audit key``) can check checkpoints and proofs, nothing more.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sceau.crypto import signing
from sceau.crypto.kdf import derive_key
from sceau.crypto.keyfile import KeyFile
from sceau.crypto.signing import PrivateKey, fingerprint
from sceau.errors import SceauError


class AuditKeyError(SceauError):
    """The audit key cannot be read, created, or is not an Ed25519 key."""


def default_origin(public_key: bytes) -> str:
    """The checkpoints' origin when ``audit_origin`` is not set: unique to this installation's
    audit key, made with it and kept with it, so two installations never share one."""
    return f"sceau.audit/{fingerprint(public_key)[:16]}"


@dataclass(frozen=True)
class AuditKey:
    private: PrivateKey = field(repr=False)
    seal_key: bytes = field(repr=False)  # 32 bytes, keyed BLAKE2b

    @classmethod
    def from_private(cls, private: PrivateKey) -> AuditKey:
        return cls(private, derive_key(signing.seed(private), "audit seal v1"))

    @classmethod
    def generate(cls) -> AuditKey:
        """A new key (tests, and :func:`load_audit_key` on first use)."""
        return cls.from_private(signing.generate())

    @property
    def public_bytes(self) -> bytes:
        return signing.public_bytes(self.private)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_bytes)

    def seal(self, data: bytes) -> bytes:
        """A keyed BLAKE2b MAC: one hash call, cheap enough for every entry."""
        return hashlib.blake2b(data, key=self.seal_key, digest_size=32).digest()

    def sign(self, message: bytes) -> bytes:
        """A checkpoint's signature: over its body as it is (the audit key signs nothing else)."""
        return signing.sign_unlabelled(self.private, message)


_FILE = KeyFile(
    what="the audit key",
    setting="SCEAU_AUDIT_KEY",
    missing="there is no audit key",
    missing_hint="sceau creates it with the first recorded event; check SCEAU_AUDIT_KEY",
    error=AuditKeyError,
)


def load_audit_key(path: Path, *, create: bool = True) -> AuditKey:
    """The installation's audit key from ``path``, created there on first use."""
    data = _FILE.read(path, create=create, make=lambda: signing.private_pem(signing.generate()))
    private = signing.load_private_pem(data)
    if private is None:
        raise AuditKeyError(
            "the audit key file is not an Ed25519 private key",
            hint="restore it from your backup; without it the trail cannot be extended",
            where=str(path),
        )
    return AuditKey.from_private(private)
