"""FINESS: the national number of a health or social establishment (a lab's own id)."""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Category, Detector
from sceau.detect.identifiers._arith import luhn_valid


class FINESS(Detector):
    """9 characters: department (01-95, 2A, 2B, 97, 98), six digits, a Luhn key."""

    name = "finess"
    category = Category.FINESS
    checksum = True
    pattern = r"(?:0[1-9]|[1-8][0-9]|9[0-578]|2[AB])[0-9]{7}"

    def normalise(self, values: pl.Expr) -> pl.Expr:
        return values.str.strip_chars().str.to_uppercase()

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        # Corsica: the key is computed with the department read as 20 (to be confirmed). The
        # pattern puts a letter (upper case) nowhere but in 2A/2B: what does not cast is one.
        corsica = candidates.str.slice(2).cast(pl.Int64, strict=False) + 20 * 10**7
        return luhn_valid(pl.coalesce(candidates.cast(pl.Int64, strict=False), corsica), 9)
