"""Field encryption: a column the target may hold only encrypted, under the controller's key.

Each cell is sealed on its own by :func:`sceau.crypto.envelope.seal` (AES-256-GCM, a fresh
random nonce per cell), so two equal values do not look equal in the target. The text stored is
``"enc1:"`` followed by the URL-safe base64 (padded) of the sealed bytes (``SCE1``, nonce,
ciphertext, tag): 5 + 4 × ⌈(32 + n) / 3⌉ characters for an n-byte value.

The key used is ``derive_key(key, "field encryption")``, a sub-key of the controller's field key.
``context`` is bound as associated data: the pipeline passes the mandate and the target column
(:func:`sceau.protect.apply.field_context`), so a value copied into another column or another
mandate's table no longer opens. A value altered by one bit does not open either.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

import polars as pl

from sceau.crypto.envelope import SealError, seal, unseal
from sceau.crypto.kdf import derive_key

PREFIX = "enc1:"
_LABEL = "field encryption"


def encrypt_values(values: pl.Series, key: bytes, *, context: str) -> pl.Series:
    """Each non-null cell sealed under ``key`` for ``context``, as ``enc1:`` text; nulls stay.

    Every cell gets its own nonce, equal values included: the loop runs over cells, not over
    distinct values, so that equality does not show through.
    """
    sub_key = derive_key(key, _LABEL)
    return _per_cell(values, lambda value: _seal(sub_key, value, context))


def decrypt_values(values: pl.Series, key: bytes, *, context: str) -> pl.Series:
    """The plaintext of each ``enc1:`` cell; SealError if any was altered or moved."""
    sub_key = derive_key(key, _LABEL)
    return _per_cell(values, lambda value: _open(sub_key, value, context))


def _seal(key: bytes, value: str, context: str) -> str:
    sealed = seal(key, value.encode("utf-8"), context=context)
    return PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")


def _open(key: bytes, value: str, context: str) -> str:
    where = f"encrypted field ({context})"
    if not value.startswith(PREFIX):
        raise SealError(
            "a cell is not an encrypted field", hint="expected text starting enc1:", where=where
        )
    try:
        sealed = base64.urlsafe_b64decode(value[len(PREFIX) :].encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise SealError("a cell's encrypted text is damaged", where=where) from None
    plaintext = unseal(key, sealed, context=context, where=where)
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:  # authenticated yet not text: sealed by something else
        raise SealError("a cell did not decrypt to text", where=where) from None


def _per_cell(values: pl.Series, transform: Callable[[str], str]) -> pl.Series:
    text = values.cast(pl.String)
    positions = text.is_not_null().arg_true()
    done = [transform(value) for value in text.gather(positions).to_list()]
    result = pl.repeat(None, text.len(), dtype=pl.String, eager=True).alias(values.name)
    return result.scatter(positions, pl.Series(done, dtype=pl.String))
