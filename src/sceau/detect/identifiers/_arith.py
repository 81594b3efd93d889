"""Checksum arithmetic and text folding as Polars expressions: whole columns, no loop over cells.

The loops below run over digit *positions* while building one expression; they never see a value.
Inputs are strings already checked for shape; anything else becomes null, never an error.
Regexes here and in the detectors spell digits ``[0-9]``: Unicode ``\\d`` is ten times slower.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import polars as pl

_WIDE = 36  # digits that always fit an Int128 (< 1.7e38)


def bind(value: pl.Expr, body: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """``body(value)`` with ``value`` computed once, even where Polars does not share
    sub-expressions (eager ``select``): the value is wrapped in a one-item list."""
    return pl.concat_list([value]).list.eval(body(pl.element())).list.first()


def mod97(digits: pl.Expr, width: int) -> pl.Expr:
    """``int(digits) % 97`` for digit strings of up to ``width`` (at most 72) digits."""
    if width <= _WIDE:
        return digits.cast(pl.Int128, strict=False) % 97
    high_weight = pow(10, _WIDE, 97)

    def fold_two(padded: pl.Expr) -> pl.Expr:
        high = padded.str.slice(0, _WIDE).cast(pl.Int128, strict=False) % 97
        low = padded.str.slice(_WIDE, _WIDE).cast(pl.Int128, strict=False) % 97
        return (high * high_weight + low) % 97

    return bind(digits.str.zfill(2 * _WIDE), fold_two)


def luhn_valid(digits: pl.Expr, length: int) -> pl.Expr:
    """Whether a ``length``-digit string passes the Luhn check (the check digit last)."""

    def check(number: pl.Expr) -> pl.Expr:
        total: pl.Expr = pl.lit(0, dtype=pl.Int64)
        for position in range(length):  # from the right: 0 is the check digit
            digit = (number // 10**position) % 10
            if position % 2:
                digit = digit * 2 - (digit >= 5).cast(pl.Int64) * 9
            total = total + digit
        return total % 10 == 0

    return bind(digits.cast(pl.Int64, strict=False), check)


_ACCENTED = "àáâãäåāăąçćčďèéêëēĕėęěìíîïĩīįñńňòóôõöōőùúûüũūůűųýÿŷźżž"
_ACCENTED += _ACCENTED.upper()
_FROM = [*_ACCENTED, "ø", "Ø", "œ", "Œ", "æ", "Æ", "ß", "’", "‘", "`", "´"]
_TO = [unicodedata.normalize("NFD", c)[0] for c in _ACCENTED]
_TO += ["o", "O", "oe", "OE", "ae", "AE", "ss", "'", "'", "'", "'"]


def strip_accents(text: pl.Expr) -> pl.Expr:
    """Latin text without diacritics, ligatures spelt out, apostrophes made ASCII."""
    return text.str.replace_many(_FROM, _TO)


def fold(text: pl.Expr) -> pl.Expr:
    """Stripped, upper case, no diacritics: the form lexicon entries are compared in."""
    return strip_accents(text.str.strip_chars()).str.to_uppercase()
