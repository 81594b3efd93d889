"""The audit key: it seals every entry and signs every checkpoint.

One Ed25519 key per installation, kept in its own file (mode 0600, outside the state store):
whoever can write the database but not read this file cannot forge a seal or a checkpoint, so
any entry they change, insert, move or delete is pinpointed by ``sceau audit verify``. The seal
key is derived from the signing key (HKDF), so there is one secret to guard. Anyone holding the
*public* key (``sceau audit key``) can check checkpoints and proofs, nothing more.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sceau.errors import SceauError
from sceau.files import write_atomic


class AuditKeyError(SceauError):
    """The audit key cannot be read, created, or is not an Ed25519 key."""


def fingerprint(public_key: bytes) -> str:
    """SHA-256 of the raw public key, hex: how people name and pin the key."""
    return hashlib.sha256(public_key).hexdigest()


def default_origin(public_key: bytes) -> str:
    """The checkpoints' origin when ``audit_origin`` is not set: unique to this installation's
    audit key, made with it and kept with it, so two installations never share one."""
    return f"sceau.audit/{fingerprint(public_key)[:16]}"


@dataclass(frozen=True)
class AuditKey:
    private: Ed25519PrivateKey = field(repr=False)
    seal_key: bytes = field(repr=False)  # 32 bytes, keyed BLAKE2b

    @classmethod
    def from_private(cls, private: Ed25519PrivateKey) -> AuditKey:
        raw = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        seal_key = HKDF(hashes.SHA256(), 32, salt=None, info=b"sceau audit seal v1").derive(raw)
        return cls(private, seal_key)

    @classmethod
    def generate(cls) -> AuditKey:
        """A new key (tests, and :func:`load_audit_key` on first use)."""
        return cls.from_private(Ed25519PrivateKey.generate())

    @property
    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_bytes)

    def seal(self, data: bytes) -> bytes:
        """A keyed BLAKE2b MAC: one hash call, cheap enough for every entry."""
        return hashlib.blake2b(data, key=self.seal_key, digest_size=32).digest()

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def load_audit_key(path: Path, *, create: bool = True) -> AuditKey:
    """The installation's audit key from ``path``, created there on first use."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if not create:
            raise AuditKeyError(
                "there is no audit key",
                hint="sceau creates it with the first recorded event; check SCEAU_AUDIT_KEY",
                where=str(path),
            ) from None
        return _create(path)
    except OSError as error:
        raise AuditKeyError(
            f"cannot read the audit key ({error.strerror or type(error).__name__})",
            hint="the audit key must be readable by the account sceau runs as, and by no other",
            where=str(path),
        ) from None
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        private = None
    if not isinstance(private, Ed25519PrivateKey):
        raise AuditKeyError(
            "the audit key file is not an Ed25519 private key",
            hint="restore it from your backup; without it the trail cannot be extended",
            where=str(path),
        )
    return AuditKey.from_private(private)


def _create(path: Path) -> AuditKey:
    made = AuditKey.generate()
    pem = made.private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(path, pem, overwrite=False)
    except FileExistsError:  # another process created it first: use theirs
        return load_audit_key(path, create=False)
    except OSError as error:
        raise AuditKeyError(
            f"cannot create the audit key ({error.strerror or type(error).__name__})",
            hint="check SCEAU_HOME (or SCEAU_AUDIT_KEY) names a folder you may write to",
            where=str(path),
        ) from None
    return made
