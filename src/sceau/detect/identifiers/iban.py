"""IBAN (ISO 13616): the per-country structure of the registry and the mod-97 check."""

from __future__ import annotations

import re
import string

import polars as pl

from sceau.detect.base import Category, Detector
from sceau.detect.identifiers._arith import bind, mod97

# BBAN structure per country from the SWIFT IBAN registry: n digits, a letters, c either.
_BBAN = {
    "AD": "4!n4!n12!c", "AE": "3!n16!n", "AL": "8!n16!c", "AT": "5!n11!n", "AZ": "4!a20!c",
    "BA": "3!n3!n8!n2!n", "BE": "3!n7!n2!n", "BG": "4!a4!n2!n8!c", "BH": "4!a14!c",
    "BR": "8!n5!n10!n1!a1!c", "BY": "4!c4!n16!c", "CH": "5!n12!c", "CR": "4!n14!n",
    "CY": "3!n5!n16!c", "CZ": "4!n16!n", "DE": "8!n10!n", "DK": "4!n9!n1!n", "DO": "4!c20!n",
    "EE": "2!n14!n", "EG": "4!n4!n17!n", "ES": "4!n4!n1!n1!n10!n", "FI": "3!n11!n",
    "FO": "4!n9!n1!n", "FR": "5!n5!n11!c2!n", "GB": "4!a6!n8!n", "GE": "2!a16!n",
    "GI": "4!a15!c", "GL": "4!n9!n1!n", "GR": "3!n4!n16!c", "GT": "4!c20!c", "HR": "7!n10!n",
    "HU": "3!n4!n1!n15!n1!n", "IE": "4!a6!n8!n", "IL": "3!n3!n13!n", "IQ": "4!a3!n12!n",
    "IS": "4!n2!n6!n10!n", "IT": "1!a5!n5!n12!c", "JO": "4!a4!n18!c", "KW": "4!a22!c",
    "KZ": "3!n13!c", "LB": "4!n20!c", "LC": "4!a24!c", "LI": "5!n12!c", "LT": "5!n11!n",
    "LU": "3!n13!c", "LV": "4!a13!c", "MC": "5!n5!n11!c2!n", "MD": "2!c18!c", "ME": "3!n13!n2!n",
    "MK": "3!n10!c2!n", "MR": "5!n5!n11!n2!n", "MT": "4!a5!n18!c", "MU": "4!a2!n2!n12!n3!n3!a",
    "NL": "4!a10!n", "NO": "4!n6!n1!n", "PK": "4!a16!c", "PL": "8!n16!n", "PS": "4!a21!c",
    "PT": "4!n4!n11!n2!n", "QA": "4!a21!c", "RO": "4!a16!c", "RS": "3!n13!n2!n",
    "SA": "2!n18!c", "SE": "3!n16!n1!n", "SI": "5!n8!n2!n", "SK": "4!n6!n10!n",
    "SM": "1!a5!n5!n12!c", "TL": "3!n14!n2!n", "TN": "2!n3!n13!n2!n", "TR": "5!n1!n16!c",
    "UA": "6!n19!c", "VA": "3!n15!n", "VG": "4!a16!n", "XK": "4!n10!n2!n",
}  # fmt: skip

_CLASS = {"n": r"[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}


def _bban_regex(structure: str) -> str:
    parts = re.findall(r"([0-9]+)!([nac])", structure)
    return "".join(f"{_CLASS[kind]}{{{count}}}" for count, kind in parts)


_STRUCTURE = (
    "^(?:" + "|".join(f"{cc}[0-9]{{2}}{_bban_regex(s)}" for cc, s in sorted(_BBAN.items())) + ")$"
)
_LETTERS = list(string.ascii_uppercase)
_LETTER_VALUES = [str(10 + i) for i in range(26)]
_COUNTRY_VALUES = {cc: int("".join(str(ord(c) - 55) for c in cc)) for cc in _BBAN}


class IBAN(Detector):
    """An IBAN, compact or in groups of four separated by single spaces (upper case in text)."""

    name = "iban"
    category = Category.IBAN
    checksum = True
    embeddable = True
    pattern = r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b"

    def normalise(self, values: pl.Expr) -> pl.Expr:
        return values.str.strip_chars().str.to_uppercase()

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        # The pattern admits upper-case letters only: no case to fold here.
        compact = candidates.str.replace_all(" ", "", literal=True)
        return bind(compact, _valid_compact)


def _valid_compact(compact: pl.Expr) -> pl.Expr:
    shaped = pl.when(compact.str.contains(_STRUCTURE)).then(compact)
    return (bind(shaped, _checksum) == 1).fill_null(False)


def _checksum(iban: pl.Expr) -> pl.Expr:
    """The IBAN's number mod 97: its BBAN, then its country's letters as digits, then its check
    digits. A BBAN of digits only (at most 30) is one Int128; one with letters takes the long way.
    """
    head = iban.str.head(2).replace_strict(_COUNTRY_VALUES, default=None, return_dtype=pl.Int64)
    head = head * 100 + iban.str.slice(2, 2).cast(pl.Int64)
    bban = iban.str.slice(4)
    digits_only = (bban.cast(pl.Int128, strict=False) % 97 * 10**6 + head) % 97
    lettered = pl.when(bban.str.contains("[A-Z]")).then(iban)
    rearranged = lettered.str.slice(4) + lettered.str.head(4)
    slow = mod97(rearranged.str.replace_many(_LETTERS, _LETTER_VALUES), 68)
    return pl.coalesce(digits_only, slow)
