"""Keyed pseudonyms: the same value under the same key always gives the same token, so joins
between tables survive, and nobody without the key can go back or check a guess.

Token (``pseudonymise``): ``"psd2_"`` followed by the first 26 characters of the lower-case
base32 of HMAC-SHA-256(k, canonical value), that is 130 bits, where k is the pseudonym key's
sub-key ``derive_key(key, "pseudonym hmac")``. Among n distinct values the chance that two share a
token is at most n² / 2¹³¹: below 10⁻²¹ for a billion values.

Canonical value: the cell stripped of surrounding white space; a cell shaped like a NIR (the
NIR detector's pattern, grouped or not) also loses its spaces, dots and dashes and has its
Corsican 2a/2b upper-cased, so ``2 95 10 99 126 111 93`` and ``295109912611193`` give one token.
Case is otherwise kept: ``Martin`` and ``MARTIN`` are two values.

NIR-shaped pseudonym (``pseudonymise_nir``): FF3-1 format-preserving encryption, described at
:func:`pseudonymise_nir`.
"""

from __future__ import annotations

import hmac

import numpy as np
import polars as pl
import pyarrow as pa
from ff3 import FF3Cipher

from sceau.crypto.kdf import derive_key
from sceau.detect.identifiers.nir import BAD_DEPARTMENTS, BAD_MONTHS, NIR

TOKEN_PREFIX = "psd2_"  # noqa: S105  (what a pseudonym starts with, not a secret)
TOKEN_CHARS = 26  # base32 characters: 130 bits

_HMAC_LABEL = "pseudonym hmac"
_FF3_KEY_LABEL = "pseudonym nir ff3-1 key"
_FF3_TWEAK_LABEL = "pseudonym nir ff3-1 tweak"
_SEPARATORS = "[ .-]"

# A NIR's 12 middle characters (birth year, month, department, commune and order number) are
# numbered 0 .. _DOMAIN - 1 in mixed radix over the values the NIR detector accepts, so that
# FF3-1, walked in cycles over 12 decimal digits, permutes exactly the well-formed NIRs.
_MONTHS = [f"{m:02d}" for m in range(100) if m not in BAD_MONTHS]
_DEPARTMENTS = [f"{d:02d}" for d in range(100) if d not in BAD_DEPARTMENTS] + ["2A", "2B"]
_REST = 10**6  # commune (3 digits) and order number (3 digits)
_DOMAIN = 100 * len(_MONTHS) * len(_DEPARTMENTS) * _REST
_DIGITS = 12
_BASE32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)  # RFC 4648
_CORSICA_FOR_KEY = (["2A", "2B"], ["19", "18"])  # how the control key reads 2A and 2B


def pseudonymise(values: pl.Series, key: bytes) -> pl.Series:
    """A ``psd2_`` token per cell (nulls stay null), keyed: same key and value, same token."""
    frame = pl.DataFrame({"value": values.cast(pl.String)}).select(_canonical(pl.col("value")))
    distinct = frame.get_column("value").drop_nulls().unique()
    tokens = pl.DataFrame({"value": distinct, "token": _tokens(key, distinct.to_list())})
    mapped = frame.join(tokens, on="value", how="left", maintain_order="left")
    return mapped.get_column("token").alias(values.name)


def pseudonymise_nir(values: pl.Series, key: bytes) -> pl.Series:
    """A NIR-shaped pseudonym per valid NIR: same sex digit, a valid control key, 15 characters.

    Used where the target software insists on a well-formed NIR (it checks the key, or reads
    the sex from the first digit). The 12 characters after the sex digit are enciphered with
    FF3-1 (NIST SP 800-38G Rev. 1) under ``derive_key(key, "pseudonym nir ff3-1 key")``, its 56-bit
    tweak made of 6 derived bytes and the sex digit, then the control key is computed afresh.
    The cipher permutes well-formed NIRs: the pseudonym is one too (plausible month, existing
    department, valid key) and two distinct NIRs never share a pseudonym. It may therefore be
    some other person's real NIR: the column must be treated as pseudonymised, not anonymous.

    A NIR written with spaces, dots or dashes gives the same pseudonym as its compact form; the
    pseudonym is always compact. Corsica's 2A and 2B (either case) count as two departments of
    their own, so a Corsican NIR may get a mainland pseudonym and the other way round.

    A cell that is not a valid NIR (wrong key, impossible month, not NIR-shaped) gets the
    :func:`pseudonymise` token instead, so that nothing of it reaches the target.
    """
    compact = pl.col("value").str.strip_chars().str.replace_all(_SEPARATORS, "")
    frame = (
        pl.DataFrame({"value": values.cast(pl.String)})
        .with_columns(valid=NIR().matches(pl.col("value")))
        .with_columns(nir=pl.when(pl.col("valid")).then(compact.str.to_uppercase()))
    )
    nirs = frame.select("nir").drop_nulls().unique().with_columns(_encode(pl.col("nir")))
    ciphers = _Ciphers(key)
    walked = [
        ciphers.encrypt(sex, index)
        for sex, index in zip(nirs["sex"].to_list(), nirs["index"].to_list(), strict=True)
    ]
    nirs = nirs.with_columns(walked=pl.Series(walked, dtype=pl.Int64)).with_columns(
        pseudonym=_decode(pl.col("sex"), pl.col("walked"))
    )
    mapped = frame.join(nirs, on="nir", how="left", maintain_order="left").select(
        "pseudonym", others=pl.when(~pl.col("valid")).then(pl.col("value"))
    )
    tokens = pseudonymise(mapped.get_column("others"), key)
    return mapped.get_column("pseudonym").fill_null(tokens).alias(values.name)


def _canonical(value: pl.Expr) -> pl.Expr:
    stripped = value.str.strip_chars()
    nir_shaped = stripped.str.contains(f"^(?:{NIR.pattern})$")
    compact = stripped.str.replace_all(_SEPARATORS, "").str.to_uppercase()
    return pl.when(nir_shaped).then(compact).otherwise(stripped)


def _tokens(key: bytes, values: list[str]) -> pl.Series:
    """The token of each value: one HMAC per value, then base32 and the prefix, vectorised."""
    sub_key = derive_key(key, _HMAC_LABEL)
    digest = hmac.digest
    # 20 bytes of each digest make 32 base32 characters exactly, of which the token keeps 26
    digests = b"".join([digest(sub_key, value.encode("utf-8"), "sha256")[:20] for value in values])
    count = len(values)
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(count, 20), axis=1)
    fives = bits.reshape(count, 32, 5) @ np.array([16, 8, 4, 2, 1], dtype=np.uint8)
    width = len(TOKEN_PREFIX) + TOKEN_CHARS
    text = np.empty((count, width), dtype=np.uint8)
    text[:, : len(TOKEN_PREFIX)] = np.frombuffer(TOKEN_PREFIX.encode("ascii"), dtype=np.uint8)
    text[:, len(TOKEN_PREFIX) :] = _BASE32[fives[:, :TOKEN_CHARS]]
    offsets = np.arange(0, width * (count + 1), width, dtype=np.int32)
    tokens = pa.StringArray.from_buffers(count, pa.py_buffer(offsets.data), pa.py_buffer(text.data))
    return pl.Series("token", tokens, dtype=pl.String)


def _encode(nir: pl.Expr) -> list[pl.Expr]:
    """The sex digit, and the number (0 .. _DOMAIN - 1) of the 12 characters after it."""
    month = nir.str.slice(3, 2).replace_strict(_MONTHS, range(len(_MONTHS)), return_dtype=pl.Int64)
    department = nir.str.slice(5, 2).replace_strict(
        _DEPARTMENTS, range(len(_DEPARTMENTS)), return_dtype=pl.Int64
    )
    year, rest = nir.str.slice(1, 2).cast(pl.Int64), nir.str.slice(7, 6).cast(pl.Int64)
    index = ((year * len(_MONTHS) + month) * len(_DEPARTMENTS) + department) * _REST + rest
    return [nir.str.head(1).alias("sex"), index.cast(pl.Int64).alias("index")]


def _decode(sex: pl.Expr, number: pl.Expr) -> pl.Expr:
    """The NIR with sex digit ``sex`` and middle ``number``, with its control key."""
    rest = (number % _REST).cast(pl.String).str.zfill(6)
    department = (number // _REST % len(_DEPARTMENTS)).replace_strict(
        range(len(_DEPARTMENTS)), _DEPARTMENTS, return_dtype=pl.String
    )
    month = (number // (_REST * len(_DEPARTMENTS)) % len(_MONTHS)).replace_strict(
        range(len(_MONTHS)), _MONTHS, return_dtype=pl.String
    )
    year = (number // (_REST * len(_DEPARTMENTS) * len(_MONTHS))).cast(pl.String).str.zfill(2)
    body = pl.concat_str(sex, year, month, department, rest)
    digits = body.str.replace_many(*_CORSICA_FOR_KEY).cast(pl.Int64)
    control = (97 - digits % 97).cast(pl.String).str.zfill(2)
    return pl.concat_str(body, control)


class _Ciphers:
    """FF3-1 over 12 decimal digits, one tweak per sex digit, walked in cycles to the domain."""

    def __init__(self, key: bytes) -> None:
        self._cipher = FF3Cipher(derive_key(key, _FF3_KEY_LABEL).hex(), "00" * 7)
        self._tweak = derive_key(key, _FF3_TWEAK_LABEL)[:6]

    def encrypt(self, sex: str, index: int) -> int:
        tweak = (self._tweak + sex.encode("ascii")).hex()
        text = f"{index:0{_DIGITS}d}"
        while True:  # on average 1.18 rounds: _DOMAIN is 85% of 10**12
            text = self._cipher.encrypt_with_tweak(text, tweak)
            if int(text) < _DOMAIN:
                return int(text)
