"""French telephone numbers, national or international, in the usual groupings."""

from __future__ import annotations

from functools import cache

import polars as pl

from sceau.detect.base import Category, Detector
from sceau.detect.identifiers._arith import bind

# The national significant number (9 digits, after the 0 or +33) that libphonenumber holds valid
# for region FR (fixed, mobile, toll-free, premium, shared-cost, VoIP, UAN), plus the overseas
# departments dialled as French numbers (0262/0269/0590/0594/0596 fixed, 0639/069x mobile), which
# libphonenumber files under RE/YT/GP/GF/MQ.
_FR = (
    r"(?:26[013-9]|59[1-35-9])[0-9]{6}|(?:[13][0-9]|2[0-57-9]|4[1-9]|5[0-8])[0-9]{7}"
    r"|(?:6(?:[0-24-8][0-9]|3[0-8]|9[589])|7[3-9][0-9])[0-9]{6}"
    r"|80[0-9][0-9]{6}"
    r"|836(?:0[0-36-9]|[1-9][0-9])[0-9]{4}|8(?:1[2-9]|2[2-47-9]|3[0-57-9]|[569][0-9]|8[0-35-9])[0-9]{6}"
    r"|8(?:1[01]|2[0156]|4[024]|84)[0-9]{6}"
    r"|9[0-9]{8}"
)
_OVERSEAS = r"262[0-9]{6}|59[046][0-9]{6}|639[0-9]{6}|69[0-7][0-9]{6}"
_VALID = rf"^(?:{_FR}|{_OVERSEAS})$"
# Every branch of _VALID constrains at most the first five digits of the nine; the rest is free.
_PREFIX_DIGITS = 5
_PREFIX_SCALE: int = 10 ** (9 - _PREFIX_DIGITS)  # a nine-digit national number // this = prefix
_SEPARATORS = ["(0)", " ", ".", "-"]
_NOTHING = [""] * len(_SEPARATORS)


@cache
def _valid_prefixes() -> pl.Series:
    """The first five digits of every valid national number."""
    prefixes = pl.Series(range(10 ** (_PREFIX_DIGITS - 1), 10**_PREFIX_DIGITS), dtype=pl.Int64)
    padding = "0" * (9 - _PREFIX_DIGITS)
    valid = (prefixes.cast(pl.String) + padding).str.contains(_VALID)
    return prefixes.filter(valid)


class Phone(Detector):
    """+33 6 12 34 56 78, 0033 6..., +33 (0)6..., 06 12 34 56 78, 06.12.34.56.78, 0612345678."""

    name = "phone"
    category = Category.PHONE
    embeddable = True
    pattern = r"(?:(?:\+|\b00)33[ .-]?(?:\(0\)[ .-]?)?|\b0)[1-9](?:[ .-]?[0-9]{2}){4}\b"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        # The pattern guarantees a prefix (0, +33, 0033, maybe (0)) then the nine digits of the
        # national number: once the separators are gone, they are the number's last nine.
        return bind(candidates, _valid_candidate)


def _valid_candidate(candidate: pl.Expr) -> pl.Expr:
    number = candidate.cast(pl.Int64, strict=False)  # "0612345678", "+33612345678"
    spaced = pl.when(number.is_null()).then(candidate).str.replace_many(_SEPARATORS, _NOTHING)
    number = pl.coalesce(number, spaced.cast(pl.Int64, strict=False))
    national = number % 10**9
    return (national // _PREFIX_SCALE).is_in(_valid_prefixes().implode())
