"""Raw primitives, private to ``sceau.crypto``: everything else uses its recipes.

Like pyca/cryptography's ``hazmat``, these are easy to misuse (a repeated nonce under AES-GCM
is fatal, a passphrase is not a key); :mod:`sceau.crypto.envelope` and :mod:`sceau.crypto.kdf`
are the recipes that use them safely.
"""

from __future__ import annotations

import os

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32  # AES-256, HMAC-SHA-256
NONCE_BYTES = 12  # the 96-bit nonce AES-GCM is defined for


def random_key() -> bytes:
    return os.urandom(KEY_BYTES)


def random_nonce() -> bytes:
    return os.urandom(NONCE_BYTES)


def aes_gcm_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    return AESGCM(key).encrypt(nonce, plaintext, aad)


def aes_gcm_decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(nonce, ciphertext, aad)


def hkdf_sha256(key: bytes, info: bytes) -> bytes:
    """RFC 5869 with no salt (a zero-filled one), 32 bytes out."""
    return HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=info).derive(key)


def argon2id(secret: bytes, salt: bytes, *, memory_kib: int, time: int, lanes: int) -> bytes:
    return hash_secret_raw(
        secret,
        salt,
        time_cost=time,
        memory_cost=memory_kib,
        parallelism=lanes,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )
