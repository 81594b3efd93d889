"""Health professionals' numbers: RPPS (11 digits) and ADELI (9 digits), both Luhn-checked."""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Category, Detector
from sceau.detect.identifiers._arith import luhn_valid


class RPPS(Detector):
    """RPPS: 11 digits starting with 1 (the ``10`` prefix of practitioners in practice)."""

    name = "rpps"
    category = Category.PRACTITIONER_ID
    checksum = True
    pattern = r"1[0-9]{10}"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        return luhn_valid(candidates, 11)


class ADELI(Detector):
    """ADELI: 9 digits (department, profession, order, key). Indistinguishable from FINESS."""

    name = "adeli"
    category = Category.PRACTITIONER_ID
    checksum = True
    pattern = r"(?:0[1-9]|[1-8][0-9]|9[0-8])[0-9]{7}"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        return luhn_valid(candidates, 9)
