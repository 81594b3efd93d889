"""The one safe encryption recipe: AES-256-GCM, a fresh random nonce per message, and the
context bound as associated data so a sealed blob cannot be replayed in another place.

    sealed = seal(key, plaintext, context="run 7f3a… batch 12 key v1")
    plaintext = unseal(key, sealed, context="run 7f3a… batch 12 key v1")

Format: ``b"SCE1" || nonce (12 bytes) || ciphertext || tag (16 bytes)``.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag

from sceau.errors import SceauError
from sceau.protect import _hazmat

MAGIC = b"SCE1"
_HEADER = len(MAGIC) + _hazmat.NONCE_BYTES


class SealError(SceauError):
    """A sealed blob is damaged, was sealed for another context, or the key is wrong."""


def new_data_key() -> bytes:
    """A fresh 256-bit data key, from the operating system's generator."""
    return _hazmat.random_key()


PASSPHRASE_KDF = {"memory_kib": 65_536, "time": 3, "parallelism": 1}  # RFC 9106's second choice


def passphrase_key(passphrase: str, salt: bytes, kdf: dict[str, int] | None = None) -> bytes:
    """A 256-bit key from a passphrase by Argon2id: each guess costs 64 MiB and three passes.

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


def derive_key(key: bytes, label: str) -> bytes:
    """A 256-bit sub-key of ``key`` for one use, named by ``label`` (one of sceau's constants)."""
    return _hazmat.hmac_sha256(key, b"sceau derive " + label.encode("ascii"))


def seal(key: bytes, plaintext: bytes, *, context: str) -> bytes:
    """``plaintext`` encrypted and authenticated under ``key``, bound to ``context``."""
    nonce = _hazmat.random_nonce()
    body = _hazmat.aes_gcm_encrypt(key, nonce, plaintext, context.encode("utf-8"))
    return MAGIC + nonce + body


def unseal(key: bytes, sealed: bytes, *, context: str, where: str = "") -> bytes:
    """The plaintext back; SealError if ``sealed``, ``key`` or ``context`` differ from sealing."""
    if len(sealed) < _HEADER + 16 or not sealed.startswith(MAGIC):
        raise SealError("not a sceau sealed file, or truncated", where=where)
    nonce, body = sealed[len(MAGIC) : _HEADER], sealed[_HEADER:]
    try:
        return _hazmat.aes_gcm_decrypt(key, nonce, body, context.encode("utf-8"))
    except InvalidTag:
        raise SealError(
            "cannot open: it was altered, sealed for another run or batch, or the key is wrong",
            hint="staging files cannot be moved, renamed or edited",
            where=where,
        ) from None
