"""Sex / gender codes as French lab software writes them."""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Category, Detector
from sceau.detect.identifiers._arith import strip_accents


class Sex(Detector):
    """M/F, H/F, 1/2, Homme/Femme, Masculin/Féminin, male/female, and the civilities that say
    the sex (M., Mme, Mlle, Monsieur, Madame, Mr, Mrs, Ms); any case, with or without accents.
    "1"/"2" alone is weak: the classifier weighs it with the header."""

    name = "sex"
    category = Category.SEX
    pattern = (
        r"[fh12]|m(?:me|lle|r|rs|s)?\.?|homme|femme|masculin|feminin|male|female"
        r"|monsieur|madame|mademoiselle"
    )

    def normalise(self, values: pl.Expr) -> pl.Expr:
        return strip_accents(values.str.strip_chars()).str.to_lowercase()
