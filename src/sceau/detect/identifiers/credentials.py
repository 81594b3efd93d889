"""Logins and clear-text passwords: shape heuristics, weak alone (the header decides)."""

from __future__ import annotations

from functools import cache

import polars as pl

from sceau.detect.base import Category, Detector
from sceau.detect.lexicons import load_words

_SYMBOL = r"[!-/:-@\[-`{-~]"
_EMAIL = r"^[^@]+@[^@]+\.[A-Za-z]{2,}$"


class Login(Detector):
    """One token of lower-case letters and digits with ``._-``, 3-32 characters, a letter in it.

    Matches many ordinary codes and words too; it is not an e-mail address (no ``@``)."""

    name = "login"
    category = Category.LOGIN
    pattern = r"[a-z0-9][a-z0-9._-]{1,30}[a-z0-9]"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        return candidates.str.contains("[a-z]")


class Password(Detector):
    """6-64 printable ASCII characters without spaces, with a letter and at least two character
    classes (lower, upper, digit, symbol) and not an e-mail address; or a most common password."""

    name = "password"
    category = Category.PASSWORD
    pattern = r"[!-~]{6,64}"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        # Two classes, one of them letters: with letters weighing 3 and the others 1, a sum of
        # 4 or more (3 + 1, 3 + 3), which says it without reading any class twice.
        weight = (
            candidates.str.contains("[a-z]").cast(pl.Int8) * 3
            + candidates.str.contains("[A-Z]").cast(pl.Int8) * 3
            + candidates.str.contains("[0-9]").cast(pl.Int8)
            + candidates.str.contains(_SYMBOL).cast(pl.Int8)
        )
        at = pl.when(candidates.str.contains("@", literal=True)).then(candidates)
        email = at.str.contains(_EMAIL).fill_null(False)  # an e-mail address has an @
        common = candidates.str.to_lowercase().is_in(_common_passwords().implode())
        return ((weight >= 4) & ~email) | common


@cache
def _common_passwords() -> pl.Series:
    return pl.Series(load_words("common_passwords"), dtype=pl.String)
