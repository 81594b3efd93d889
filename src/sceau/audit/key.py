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
from sceau.crypto.signing import PrivateKey, fingerprint
from sceau.errors import SceauError
from sceau.files import write_atomic


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
    private = signing.load_private_pem(data)
    if private is None:
        raise AuditKeyError(
            "the audit key file is not an Ed25519 private key",
            hint="restore it from your backup; without it the trail cannot be extended",
            where=str(path),
        )
    return AuditKey.from_private(private)


def _create(path: Path) -> AuditKey:
    made = AuditKey.generate()
    pem = signing.private_pem(made.private)
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
