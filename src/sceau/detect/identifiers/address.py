"""Street lines: an optional number, a street-type word, a name; and address vocabulary.

`Address` recognises a whole cell that is one street line. `address_words` is looser, for the
classifier: whether a cell *mentions* an address anywhere (a street type, a complement such as
"3e étage", a postal box, a postcode), as second lines and one-phrase addresses written under
an address header do ("Bât B, 3e étage", "MGEN, 3 square Max Hymans 75015 Paris").
"""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Category, Detector
from sceau.detect.identifiers._arith import strip_accents

# Words that open a street line on their own ("Rue de la Paix", "Résidence les Pins").
_STREET_WORDS = (
    "rue", "avenue", "av", "ave", "boulevard", "bd", "bld", "bvd", "chemin", "impasse", "imp",
    "allee", "allees", "place", "route", "rte", "quai", "quais", "cours", "lieu-dit", "lieu dit",
    "residence", "resid", "batiment", "bat", "square", "sq", "passage", "chaussee", "faubourg",
    "fbg", "villa", "cite", "hameau", "voie", "sentier", "sente", "parvis", "esplanade",
    "rond-point", "rond point", "montee", "traverse", "promenade", "ruelle", "venelle",
    "lotissement", "domaine", "clos", "quartier", "zac", "za", "zi", "rocade", "carrefour",
    "immeuble", "grande rue", "grand rue", "bp", "cs", "tsa", "appartement", "appart", "appt",
    "escalier",
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
_FLOOR = r"[0-9]{1,2} ?(?:e|er|ere|eme|ieme)\.? +etage"  # "3e étage", "1er etage"
_MAX_LENGTH = 120  # a street line, not a comment that happens to start with "place"
# An address written as one phrase after whom it reaches: "Centre de gestion - 136, rue de la
# République - 42300 Roanne". Only with a number, a street word *and* a postcode, so that prose
# mentioning a street does not pass.
_ADDRESSEE = r"[a-z][a-z '.-]{0,48}?(?:,| -| :)? +"
_POSTCODE = r"(?-u:\b)[0-9]{5}(?-u:\b)"


class Address(Detector):
    """A street line such as "12 bis rue de la Paix", "Résidence les Pins, bât B", "3 r. Hoche"."""

    name = "address"
    category = Category.ADDRESS
    pattern = (
        rf"(?:(?:(?:{_NUMBER})?{_alternation(_STREET_WORDS)}|{_NUMBER}{_alternation(_AFTER_NUMBER)})"
        rf"\.?,? +[a-z0-9'].*|{_FLOOR}(?:[ ,].*)?"
        rf"|{_ADDRESSEE}{_NUMBER}{_alternation(_STREET_WORDS)}\.?,? +[a-z0-9'].*{_POSTCODE}.*)"
    )

    def normalise(self, values: pl.Expr) -> pl.Expr:
        return strip_accents(values.str.strip_chars()).str.to_lowercase()

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        return candidates.str.len_chars() <= _MAX_LENGTH


# Words that, anywhere in a cell, belong to an address: street types, the complements of a second
# line, postal boxes and distribution, in French and English.
_VOCABULARY = (
    *(w for w in _STREET_WORDS if len(w) > 2),
    "etage", "esc", "porte", "entree", "chez", "boite postale", "cedex", "lieudit",
    "street", "road", "lane", "drive", "flat", "apartment", "apt", "floor", "building", "po box",
)  # fmt: skip
_MENTIONS = (
    rf"(?-u:\b)(?:{_alternation(_VOCABULARY)}|bp|cs|tsa|bat|res|imp|av|bd|rte)(?-u:\b)"
    rf"|(?-u:\b){_FLOOR}|(?-u:\b)[0-9]{{5}}(?-u:\b)"
)


def address_words(values: pl.Expr) -> pl.Expr:
    """Whether each cell mentions an address: a street type or complement word anywhere, a
    floor, or a postcode. Evidence under an address header, never a match on its own."""
    text = strip_accents(values.str.strip_chars()).str.to_lowercase()
    return text.str.contains(_MENTIONS).fill_null(False)
