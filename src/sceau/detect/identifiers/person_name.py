"""Person names: every token looks like a name and most are common French names (INSEE lists)."""

from __future__ import annotations

from functools import cache

import polars as pl

from sceau.detect.base import Category, Detector
from sceau.detect.identifiers._arith import bind, fold
from sceau.detect.lexicons import load_words

# Titles and particles carry no evidence either way: they are dropped before counting tokens.
_DROPPED = (
    "DR", "DOCTEUR", "PR", "PROFESSEUR", "M", "MR", "MME", "MLLE", "MM", "MMES", "MONSIEUR",
    "MADAME", "MADEMOISELLE", "ME", "MAITRE", "DE", "DU", "DES", "D", "LA", "LE", "LES", "L",
    "VAN", "VON", "DER", "DEN", "DI", "DA", "DO", "DOS", "DAS", "DEL", "DELLA", "EL", "AL", "BEN",
    "SAINT", "SAINTE", "ST", "STE", "MAC", "MC", "N", "O",
    # a nurse's or a practice's name carries its trade: "IDE Laure MONNIER", "Cabinet infirmier X"
    "IDE", "IDEL", "INFIRMIER", "INFIRMIERE", "INFIRMIERS", "INFIRMIERES", "CABINET", "SAGE",
    "FEMME", "KINE", "AIDE", "SOIGNANT", "SOIGNANTE", "PHARMACIEN", "PHARMACIENNE", "BIOLOGISTE",
)  # fmt: skip
_DROP = r"(?-u:\b)(?:" + "|".join(_DROPPED) + r")(?-u:\b)"
_MAX_TOKENS = 5
_SHAPE = rf"^[A-Z]+(?: [A-Z]+){{0,{_MAX_TOKENS - 1}}}$"


def _tokens(values: pl.Expr) -> pl.Expr:
    """Upper case, no accents, no titles or particles, one space between tokens."""
    spaced = fold(values).str.replace_all(r"[-'.,()]+", " ")
    return spaced.str.replace_all(_DROP, " ").str.replace_all(" +", " ").str.strip_chars()


@cache
def _lexicon() -> list[str]:
    """Every token of the first-name and surname lists, padded for whole-token search."""
    words = pl.Series(load_words("first_names") + load_words("surnames"), dtype=pl.String)
    tokens = pl.select(_tokens(pl.lit(words)).str.split(" ")).to_series().explode()
    return sorted({f" {t} " for t in tokens.drop_nulls() if len(t) >= 2})


@cache
def _usual_forms() -> pl.Series:
    """The lexicon's names that are valid on their own, as listed, in capitals, capitalised
    and folded: most cells of a surname or first-name column, spared folding, `_tokens`'s four
    regexes and the lexicon search."""
    words = pl.Series(load_words("first_names") + load_words("surnames"), dtype=pl.String)
    spellings = [words, words.str.to_uppercase(), words.str.to_lowercase().str.to_titlecase()]
    forms = pl.concat([*spellings, pl.select(fold(pl.lit(words))).to_series()]).unique()
    valid = pl.select(_known_name(_tokens(pl.lit(forms)))).to_series()
    return forms.filter(valid)


class PersonName(Detector):
    """ "Jean-Pierre MARTIN", "Dr N'Diaye", "DUPONT Marie": 1-5 alphabetic tokens, at least half
    of them in the first-name or surname lexicon (titles and particles aside)."""

    name = "person_name"
    category = Category.PERSON_NAME
    pattern = r"\pL[\pL '’.,()-]*"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        return bind(candidates, _known_text)


def _known_text(text: pl.Expr) -> pl.Expr:
    usual = text.is_in(_usual_forms().implode())
    others = pl.when(~usual).then(text)  # folding and the regexes skip the nulls: cheap
    return usual | bind(_tokens(others), _known_name)


def _known_name(tokens: pl.Expr) -> pl.Expr:
    padded = pl.lit(" ") + tokens + pl.lit(" ")
    known = padded.str.extract_many(_lexicon(), overlapping=True).list.len()
    count = tokens.str.count_matches(" ", literal=True) + 1
    plausible = tokens.str.contains(_SHAPE)
    return plausible & (known >= 1) & (known * 2 >= count)
