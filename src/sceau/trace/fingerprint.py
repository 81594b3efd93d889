"""Keyed fingerprints of identity keys: 64 bits each, under the installation's trace key.

A fingerprint says "the same person" and nothing else: without the key nobody can test a guess
(a NIR, a name and birth date) against the index, and the key stays with the key provider. Each
kind has its own domain (BLAKE2b's ``person`` field), so an e-mail never matches a NIR.

Two different people share a fingerprint of one kind with probability 2^-64 per pair: looking up
the 2 million keys of a 491,840-row leak among 500 million recorded ones gives about
2e6 x 5e8 / 2^64 ≈ 5e-5 false hits in all, far below what an attribution rests on.
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl

from sceau.trace.identity import Kind, kind_of

KEY_BYTES = 32
FINGERPRINT = pl.UInt64
_REPEATED = 0.8  # at most this share of a column's keys distinct: hash each distinct key once


def fingerprints(keys: pl.DataFrame, secret: bytes) -> pl.DataFrame:
    """``keys`` (from :func:`identity_keys`) as fingerprints, column by column, each in its
    kind's domain; a null key stays null. Where keys repeat, each distinct key is hashed once."""
    if len(secret) != KEY_BYTES:
        raise ValueError("the trace key is 32 bytes")
    return keys.select(_column(keys[name], kind_of(name), secret) for name in keys.columns)


def _column(values: pl.Series, kind: Kind, secret: bytes) -> pl.Series:
    person = f"sceau-{kind.value}"[:16].encode("ascii")
    keyed = hashlib.blake2b(key=secret, digest_size=8, person=person)
    present = values.drop_nulls()
    distinct = present.unique()
    if distinct.len() <= _REPEATED * present.len():
        hashed = _hashed(keyed, distinct)
        return values.replace_strict(
            distinct, hashed, default=None, return_dtype=FINGERPRINT
        ).alias(values.name)
    # hardly a key twice (NIRs, phones): mapping each hash back would cost more than it saves
    placed = np.zeros(values.len(), dtype=np.uint64)
    placed[values.is_not_null().to_numpy()] = _hashed(keyed, present).to_numpy()
    column = pl.Series(values.name, placed, dtype=FINGERPRINT)
    return column.scatter(np.flatnonzero(values.is_null().to_numpy()), None)


def _hashed(keyed: hashlib.blake2b, values: pl.Series) -> pl.Series:
    digests = b"".join([_digest(keyed, value) for value in values.cast(pl.Binary).to_list()])
    return pl.Series(np.frombuffer(digests, dtype=">u8").astype(np.uint64), dtype=FINGERPRINT)


def _digest(keyed: hashlib.blake2b, value: bytes) -> bytes:
    """BLAKE2b of ``value`` from a copy of the state that has already taken the key: the key's
    block is compressed once per column, not once per value (the digest is the same)."""
    state = keyed.copy()
    state.update(value)
    return state.digest()
