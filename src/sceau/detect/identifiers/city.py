"""Commune names, as lab software writes them: "ST ETIENNE CEDEX 2", "PARIS 15E", "HAVRE (LE)"."""

from __future__ import annotations

from functools import cache

import polars as pl

from sceau.detect.base import Category, Detector, register
from sceau.detect.identifiers._arith import bind, fold
from sceau.detect.lexicons import load_communes

# What may stand around a commune's name: a postcode before or after, CEDEX, an arrondissement.
# Removed by two capture-free regexes, which Polars runs on its fast engine.
_PREFIX = r"^(?:F )?[0-9]{5} "
_SUFFIX = r"(?: [0-9]{5})?(?: CEDEX)?(?: ?[0-9]{1,2} ?(?:E|EME|ER|ERE)?(?: ARR(?:ONDISSEMENT)?)?)?$"


def _commune_key(values: pl.Expr) -> pl.Expr:
    """Upper case, no accents, no postcode, CEDEX or arrondissement, SAINT spelt out."""
    text = fold(values).str.replace_all(r"[-' ]+", " ").str.replace(_PREFIX, "")
    text = text.str.replace(_SUFFIX, "").str.replace(r"^(.*) \((LE|LA|LES|L)\)$", "${2} ${1}")
    return text.str.replace_all(r"(?-u:\b)ST(E?)(?-u:\b)", "SAINT${1}")


@cache
def _communes() -> pl.Series:
    names = pl.Series([c.name for c in load_communes()], dtype=pl.String)
    return pl.select(_commune_key(pl.lit(names))).to_series().unique()


@register
class City(Detector):
    """A commune of the lexicon (~1,600 most populated and prefectures), postcode or CEDEX aside."""

    name = "city"
    category = Category.CITY
    pattern = r"[\pL0-9][\pL0-9 '’().-]*"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        return bind(_commune_key(candidates), lambda key: key.is_in(_communes().implode()))
