"""The one safe encryption recipe: AES-256-GCM, a fresh random nonce per message, and the
context bound as associated data so a sealed blob cannot be replayed in another place.

    sealed = seal(key, plaintext, context="run 7f3a… batch 12 key v1")
    plaintext = unseal(key, sealed, context="run 7f3a… batch 12 key v1")

Format: ``b"SCE1" || nonce (12 bytes) || ciphertext || tag (16 bytes)``; the magic is the
version, so a later format can be read beside this one.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag

from sceau.crypto import _hazmat
from sceau.errors import SceauError

MAGIC = b"SCE1"
_HEADER = len(MAGIC) + _hazmat.NONCE_BYTES


class SealError(SceauError):
    """A sealed blob is damaged, was sealed for another context, or the key is wrong."""


def new_data_key() -> bytes:
    """A fresh 256-bit data key, from the operating system's generator."""
    return _hazmat.random_key()


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
