"""The one key derivation: every key sceau derives from another comes from :func:`derive_key`.

``derive_key(key, label)`` is HKDF-SHA256 (RFC 5869): no salt, info ``"sceau " + label`` in
ASCII, 32 bytes. It is for keys that are already random (a run's data key, a controller's
secret, the audit key's seed); each use has its own label, so sub-keys never coincide. Anyone
can recompute one with their own tools, e.g. ``openssl kdf -keylen 32 -kdfopt digest:SHA256
-kdfopt hexkey:KEY -kdfopt info:"sceau LABEL" HKDF``.

A passphrase is not a key: it is short and guessable, so it is first stretched, once, by
:func:`passphrase_key` (Argon2id: each guess costs 64 MiB and three passes), and that stretched
key is what a recipe uses. Hashing account passwords (``sceau.accounts``) and re-hashing
patients' portal passwords (``sceau.protect.rehash``) use Argon2 too, but they store a
verifier, not a key: they are not key derivation and do not come here.
"""

from __future__ import annotations

import re

from sceau.crypto import _hazmat

PASSPHRASE_KDF = {"memory_kib": 65_536, "time": 3, "parallelism": 1}  # RFC 9106's second choice
_LABEL = re.compile(r"[ -~]{1,100}")  # printable ASCII: a constant of sceau's, never data


def derive_key(key: bytes, label: str) -> bytes:
    """A 256-bit sub-key of ``key`` for one use, named by ``label`` (one of sceau's constants)."""
    if not _LABEL.fullmatch(label):
        raise ValueError("a key label is printable ASCII")
    return _hazmat.hkdf_sha256(key, b"sceau " + label.encode("ascii"))


def passphrase_key(passphrase: str, salt: bytes, kdf: dict[str, int] | None = None) -> bytes:
    """A 256-bit key from a passphrase by Argon2id (RFC 9106).

    ``kdf`` (memory_kib, time, parallelism) is stored beside the salt by the caller, so that
    files sealed today still open if the defaults grow.
    """
    kdf = kdf or PASSPHRASE_KDF
    return _hazmat.argon2id(
        passphrase.encode("utf-8"),
        salt,
        memory_kib=int(kdf["memory_kib"]),
        time=int(kdf["time"]),
        lanes=int(kdf["parallelism"]),
    )
