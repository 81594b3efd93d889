"""Sex / gender codes as French lab software writes them."""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Category, Detector, register
from sceau.detect.identifiers._arith import strip_accents


@register
class Sex(Detector):
    """M/F, H/F, 1/2, Homme/Femme, Masculin/Féminin, male/female; any case, with or without
    accents. "1"/"2" alone is weak: the classifier weighs it with the header."""

    name = "sex"
    category = Category.SEX
    pattern = r"[mfh12]|homme|femme|masculin|feminin|male|female"

    def normalise(self, values: pl.Expr) -> pl.Expr:
        return strip_accents(values.str.strip_chars()).str.to_lowercase()
