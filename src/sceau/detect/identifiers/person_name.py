"""Person names: every token looks like a name and most are common French names (INSEE lists)."""

from __future__ import annotations

from functools import cache

import polars as pl

from sceau.detect.base import Category, Detector, register
from sceau.detect.identifiers._arith import bind, fold
from sceau.detect.lexicons import load_words

# Titles and particles carry no evidence either way: they are dropped before counting tokens.
_DROPPED = (
    "DR", "DOCTEUR", "PR", "PROFESSEUR", "M", "MR", "MME", "MLLE", "MM", "MMES", "MONSIEUR",
    "MADAME", "MADEMOISELLE", "ME", "MAITRE", "DE", "DU", "DES", "D", "LA", "LE", "LES", "L",
    "VAN", "VON", "DER", "DEN", "DI", "DA", "DO", "DOS", "DAS", "DEL", "DELLA", "EL", "AL", "BEN",
    "SAINT", "SAINTE", "ST", "STE", "MAC", "MC", "N", "O",
)  # fmt: skip
_DROP = r"(?-u:\b)(?:" + "|".join(_DROPPED) + r")(?-u:\b)"
_MAX_TOKENS = 5
_SHAPE = rf"^[A-Z]+(?: [A-Z]+){{0,{_MAX_TOKENS - 1}}}$"


def _tokens(values: pl.Expr) -> pl.Expr:
    """Upper case, no accents, no titles or particles, one space between tokens."""
    spaced = fold(values).str.replace_all(r"[-'.,]+", " ")
    return spaced.str.replace_all(_DROP, " ").str.replace_all(" +", " ").str.strip_chars()


@cache
def _lexicon() -> list[str]:
    """Every token of the first-name and surname lists, padded for whole-token search."""
    words = pl.Series(load_words("first_names") + load_words("surnames"), dtype=pl.String)
    tokens = pl.select(_tokens(pl.lit(words)).str.split(" ")).to_series().explode()
    return sorted({f" {t} " for t in tokens.drop_nulls() if len(t) >= 2})


@register
class PersonName(Detector):
    """ "Jean-Pierre MARTIN", "Dr N'Diaye", "DUPONT Marie": 1-5 alphabetic tokens, at least half
    of them in the first-name or surname lexicon (titles and particles aside)."""

    name = "person_name"
    category = Category.PERSON_NAME
    pattern = r"\pL[\pL '’.,-]*"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        return bind(_tokens(candidates), _known_name)


def _known_name(tokens: pl.Expr) -> pl.Expr:
    padded = pl.lit(" ") + tokens + pl.lit(" ")
    known = padded.str.extract_many(_lexicon(), overlapping=True).list.len()
    count = tokens.str.count_matches(" ", literal=True) + 1
    plausible = tokens.str.contains(_SHAPE)
    return plausible & (known >= 1) & (known * 2 >= count)
