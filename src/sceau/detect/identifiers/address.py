"""Street lines: an optional number, a street-type word, a name."""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Category, Detector, register
from sceau.detect.identifiers._arith import strip_accents

# Words that open a street line on their own ("Rue de la Paix", "Résidence les Pins").
_STREET_WORDS = (
    "rue", "avenue", "av", "ave", "boulevard", "bd", "bld", "bvd", "chemin", "impasse", "imp",
    "allee", "allees", "place", "route", "rte", "quai", "quais", "cours", "lieu-dit", "lieu dit",
    "residence", "resid", "batiment", "bat", "square", "sq", "passage", "chaussee", "faubourg",
    "fbg", "villa", "cite", "hameau", "voie", "sentier", "sente", "parvis", "esplanade",
    "rond-point", "rond point", "montee", "traverse", "promenade", "ruelle", "venelle",
    "lotissement", "domaine", "clos", "quartier", "zac", "za", "zi", "rocade", "carrefour",
    "immeuble", "grande rue", "grand rue", "bp", "cs",
)  # fmt: skip
# Abbreviations or ordinary words that are a street type only after a number ("12 r. Hoche").
_AFTER_NUMBER = (
    "r", "ch", "che", "pl", "all", "crs", "ld", "res", "pass", "fg", "ham", "prom", "lot", "dom",
    "mail", "parc", "port", "cour", "tour", "jardin", "jardins", "digue", "levee", "plateau",
)  # fmt: skip


def _alternation(words: tuple[str, ...]) -> str:
    longest_first = sorted({w.replace(" ", " +") for w in words}, key=len, reverse=True)
    return "(?:" + "|".join(longest_first) + ")"


_NUMBER = r"[0-9]{1,5}(?: ?(?:bis|ter|quater|[a-d]))?,? +"
_MAX_LENGTH = 120  # a street line, not a comment that happens to start with "place"


@register
class Address(Detector):
    """A street line such as "12 bis rue de la Paix", "Résidence les Pins, bât B", "3 r. Hoche"."""

    name = "address"
    category = Category.ADDRESS
    pattern = (
        rf"(?:(?:{_NUMBER})?{_alternation(_STREET_WORDS)}|{_NUMBER}{_alternation(_AFTER_NUMBER)})"
        r"\.?,? +[a-z0-9'].*"
    )

    def normalise(self, values: pl.Expr) -> pl.Expr:
        return strip_accents(values.str.strip_chars()).str.to_lowercase()

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        return candidates.str.len_chars() <= _MAX_LENGTH
