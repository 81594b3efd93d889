"""Commune names, as lab software writes them: "ST ETIENNE CEDEX 2", "PARIS 15E", "HAVRE (LE)"."""

from __future__ import annotations

from functools import cache

import polars as pl

from sceau.detect.base import Category, Detector
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


@cache
def _usual_forms() -> pl.Series:
    """The usual ways of writing a commune whose key is known (as written, in capitals, with
    or without accents and hyphens), to skip folding and the key's five regexes on most cells."""
    names = [c.name for c in load_communes()]
    capitals = [name.upper() for name in names]
    forms = pl.Series([*names, *capitals, *(n.replace("-", " ") for n in capitals)])
    forms = pl.concat([forms, pl.select(fold(pl.lit(forms))).to_series()]).unique()
    known = pl.select(_commune_key(pl.lit(forms)).is_in(_communes().implode())).to_series()
    return forms.filter(known)


class City(Detector):
    """A commune of the lexicon (~1,600 most populated and prefectures), postcode or CEDEX aside."""

    name = "city"
    category = Category.CITY
    pattern = r"[\pL0-9][\pL0-9 '’().-]*"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        return bind(candidates, _known_commune)


def _known_commune(text: pl.Expr) -> pl.Expr:
    usual = text.is_in(_usual_forms().implode())
    others = pl.when(~usual).then(text)  # folding and the key's regexes skip the nulls: cheap
    return usual | _commune_key(others).is_in(_communes().implode())
