"""FINESS: the national number of a health or social establishment (a lab's own id)."""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Category, Detector, register
from sceau.detect.identifiers._arith import luhn_valid


@register
class FINESS(Detector):
    """9 characters: department (01-95, 2A, 2B, 97, 98), six digits, a Luhn key."""

    name = "finess"
    category = Category.FINESS
    pattern = r"(?:0[1-9]|[1-8][0-9]|9[0-578]|2[AB])[0-9]{7}"

    def normalise(self, values: pl.Expr) -> pl.Expr:
        return values.str.strip_chars().str.to_uppercase()

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        # Corsica: the key is computed with the department read as 20 (to be confirmed).
        digits = candidates.str.to_uppercase().str.replace(r"^2[AB]", "20")
        return luhn_valid(digits, 9)
