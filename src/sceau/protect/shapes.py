"""The shapes redaction removes from free text: anything shaped like an identifier, valid or not.

The scan's detectors *classify*: they check a NIR's key, a phone number's ranges, an IBAN's
digits, a date's calendar, and a look-alike that fails is not counted. Redaction *protects*, and
cannot afford that: ``07 03 78 91 54`` is a real number in a range the validator does not know
yet, ``fr44 9432 …`` an IBAN typed in lower case, a NIR with a typo in its key still points at one
person. So these shapes check nothing but the shape, and each is a superset of what the
matching detector finds (the scan of a redacted text finds nothing, a test holds it).

Each shape is one Rust regex that ``str.replace_all`` runs over a whole column; they run in the
order of :func:`shapes`, the most specific first: e-mail addresses (which may hold a phone
number), IBANs, phones written with +33, 0033 or another country code (``+4915123456789`` would
read as a NIR), NIRs, dates with a four-digit year, national phones, then dates with a two-digit
year (``06.12.34.56.78`` is a phone, not ``06.12.34``), and any run of eight digits or more last.
A shape that starts with a digit opens with ``(?P<lead>^|[^0-9])``, given back by the
replacement, so that it never starts inside a longer number. Digits are spelt ``[0-9]``: Unicode
``\\d`` is ten times slower.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Shape:
    """One kind of identifier: its placeholder and the regex that finds it."""

    placeholder: str  # "[PHONE]": what the text holds instead
    pattern: str  # Rust regex; may open with the `lead` group (one character given back)
    trigger: tuple[str, ...] = ()  # strings one of which every match holds (ASCII, any case)

    @property
    def replacement(self) -> str:
        """The placeholder, with the characters the pattern took around it given back."""
        lead = "${lead}" if "(?P<lead>" in self.pattern else ""
        end = "${end}" if "(?P<end>" in self.pattern else ""
        return f"{lead}{self.placeholder}{end}"


_LEAD = "(?P<lead>^|[^0-9])"
_SPACES = " \u00a0\u202f\u2009"  # space, no-break space, narrow no-break and thin spaces
_SEP = f"[{_SPACES}.-]"  # between the groups of a NIR or an IBAN
_PHONE_SEP = f"[{_SPACES}./-]"  # phones are also written 06/12/34/56/78

# E-mail: a local part, then @ (a space around it, or written [at], (at), " at "), then a domain
# whose dots may be spaced or written [dot], (dot), " dot ". Written plainly (local@domain), a
# domain without a dot is enough (jean@orange); the spelt-out forms need a dot and a TLD.
_LOCAL = r"[\pL\pN!#$%&'*+/=?^_`{|}~-]+(?:\.[\pL\pN!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[\pL\pN](?:[\pL\pN-]*[\pL\pN])?"
_AT = r"(?: ?@ ?| ?(?i:\[at\]|\(at\)) ?| (?i:at) )"
_DOT = r"(?:\s?\.\s?|\s?[\[(]\s?(?i:dot|point)\s?[\])]\s?|\s(?i:dot|point)\s)"
_EMAIL = (
    rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})*"  # the usual form: the whole domain, TLD or not
    rf"|{_LOCAL}{_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}\pL{{2,63}}"
)

# IBAN: two letters, two digits, then groups of four (a digit in one of the first three groups:
# "HB12 SANG TRES" in a comment typed in capitals is not one), compact or separated, any case.
_ALNUM4 = "[A-Za-z0-9]{4}"
_WITH_DIGIT4 = (
    "(?:[0-9][A-Za-z0-9]{3}|[A-Za-z][0-9][A-Za-z0-9]{2}"
    "|[A-Za-z]{2}[0-9][A-Za-z0-9]|[A-Za-z]{3}[0-9])"
)
_TAIL = "(?:[A-Za-z0-9]{0,2}[0-9]|[A-Z]{1,3})"  # the last, shorter group: "189", "00", "P1", "UR"
_IBAN = (
    f"[A-Za-z]{{2}}[0-9]{{2}}"
    f"(?:(?:{_SEP}?{_ALNUM4}){{1,2}}{_SEP}?{_WITH_DIGIT4}(?:{_SEP}?{_ALNUM4}){{0,6}}"
    f"|{_SEP}?{_WITH_DIGIT4}(?:{_SEP}?{_ALNUM4}){{1,7}})"
    f"(?:{_SEP}?{_TAIL})?"
)

# NIR: 13 characters (sex, year, month, department or 2A/2B, commune, order), then the two-digit
# key or not, grouped 1-2-2-2-3-3-2 with any separator between the groups, or compact. Any sex
# digit but 0 (a phone number's first digit: "06 12 34 56 78 06..." is two phones), any month,
# any key.
_NIR = (
    f"{_LEAD}[1-9]{_SEP}?[0-9]{{2}}{_SEP}?[0-9]{{2}}{_SEP}?(?:[0-9]{{2}}|2[ABab])"
    f"{_SEP}?[0-9]{{3}}{_SEP}?[0-9]{{3}}(?:{_SEP}?[0-9]{{2}})?"
)

# French phones written internationally: +33 or 0033, maybe (0) or 0, then the nine digits of
# the national number, grouped in any way ("+33 6 12 34 56 78", "+33(0)6...", "0033612345678").
_PHONE_FRENCH_INTERNATIONAL = (
    rf"{_LEAD}(?:\+|00)33(?:{_PHONE_SEP}{{0,2}}\(0\)|{_PHONE_SEP}?0)?"
    rf"(?:{_PHONE_SEP}{{0,2}}[0-9]){{9}}"
)
# Other countries' phones: + or 00, a country code, maybe (0), then 6 to 14 digits with at most
# two separators between two of them ("+1 (212) 555-1234", "tel:+44-20-7946-0958").
_PHONE_INTERNATIONAL = (
    rf"{_LEAD}(?:\+|00)[1-9][0-9]{{0,2}}(?:{_PHONE_SEP}{{0,2}}\(0\))?"
    rf"(?:(?:{_PHONE_SEP}|[()]){{0,2}}[0-9]){{6,14}}"
)


def _national_phone() -> str:
    """A French national number: 0 and nine digits, grouped in any way people write them.

    Groups are of two to four digits, the first of one to four ("0 800 12 34 56", "06 12 34 56
    78", "0262 16 12 34", "06 123 456 78", "0612345678"): a lone digit elsewhere is not a phone's
    grouping, and keeps series of decimals ("0.85 0.92 0.88") out.
    """
    branches = []
    for first in range(1, 5):
        for count in range(1, 5):
            for rest in itertools.product(range(2, 5), repeat=count):
                if first + sum(rest) == 10:
                    opening = "0" + (f"[0-9]{{{first - 1}}}" if first > 1 else "")
                    groups = [opening, *(f"[0-9]{{{size}}}" for size in rest)]
                    branches.append(f"{_PHONE_SEP}?".join(groups))
    return f"{_LEAD}(?:" + "|".join(branches) + ")"


# Machine-to-machine numbers (SIM cards of devices, alarms, remote monitoring): 0700 then ten
# digits, fourteen in all, in pairs or compact.
_PHONE_M2M = f"{_LEAD}07{_PHONE_SEP}?00(?:{_PHONE_SEP}?[0-9]{{2}}){{5}}"

# The nine digits of a French number without its leading 0, in groups: "6 12 34 56 78".
_PHONE_NO_TRUNK = f"{_LEAD}[1-9](?:{_PHONE_SEP}[0-9]{{2}}){{4}}"

# Dates: every form of the date grammar (day first or year first, with /, . or -, a time or
# not) without its calendar check, and dates written with the month's name.
_TIME = (
    r"(?:[ T](?:[01]?[0-9]|2[0-3])[:hH][0-5][0-9](?::[0-5][0-9](?:[.,][0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_NUMERIC_DATE_LONG = (
    f"{_LEAD}(?:[0-9]{{1,2}}[/.-][0-9]{{1,2}}[/.-][0-9]{{4}}"
    f"|[0-9]{{4}}[/.-][0-9]{{1,2}}[/.-][0-9]{{1,2}}|(?:0[1-9]|1[0-2])[/.-](?:18|19|20)[0-9]{{2}})"
    f"{_TIME}"
)
_NUMERIC_DATE_SHORT = f"{_LEAD}[0-9]{{1,2}}[/.-][0-9]{{1,2}}[/.-][0-9]{{2}}{_TIME}"
_MONTHS = (
    "janvier|fevrier|février|mars|avril|mai|juin|juillet|aout|août|septembre|octobre|novembre"
    "|decembre|décembre|janv|fevr|févr|fev|fév|avr|juil|sept|oct|nov|dec|déc|january|february"
    "|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun"
    "|jul|aug|sep"
)
_DAY = r"(?:1er|1st|2nd|3rd|[0-9]{1,2}(?:th)?)"
_GAP = f"\\.?,?[{_SPACES}]+"
_WORDED_DATE = (
    rf"{_LEAD}(?-u:\b)(?i:(?:{_DAY}{_GAP})?(?:{_MONTHS}){_GAP}[0-9]{{4}}"
    rf"|{_DAY}{_GAP}(?:{_MONTHS}){_GAP}'?[0-9]{{2}}|(?:{_MONTHS}){_GAP}{_DAY}{_GAP}[0-9]{{4}})"
)
# Eight digits that read as yyyymmdd or ddmmyyyy (month 01-12, day 01-31, year 1800-2099).
_MONTH2, _DAY2, _YEAR4 = "(?:0[1-9]|1[0-2])", "(?:0[1-9]|[12][0-9]|3[01])", "(?:18|19|20)[0-9]{2}"
_COMPACT_DATE = f"{_LEAD}(?:{_YEAR4}{_MONTH2}{_DAY2}|{_DAY2}{_MONTH2}{_YEAR4})(?P<end>[^0-9]|$)"

# Any other run of eight digits or more: RPPS (11), ADELI and FINESS (9), AMC numbers (8 or 9),
# record and sample numbers, a NIR or a phone cut short. A leftmost match is a whole run. And a
# Corsican FINESS (2A/2B and seven digits).
_LONG_NUMBER = r"[0-9]{8,}|(?-u:\b)2[ABab][0-9]{7}(?-u:\b)"


@cache
def shapes() -> tuple[Shape, ...]:
    """Every shape, in the order they are removed."""
    return (
        Shape("[EMAIL]", _EMAIL, ("@", "[at]", "(at)", " at ")),
        Shape("[IBAN]", _IBAN),
        Shape("[PHONE]", _PHONE_FRENCH_INTERNATIONAL),
        Shape("[PHONE]", _PHONE_INTERNATIONAL),
        Shape("[NIR]", _NIR),
        Shape("[DATE]", _NUMERIC_DATE_LONG),
        Shape("[DATE]", _WORDED_DATE),
        Shape("[PHONE]", _PHONE_M2M),
        Shape("[PHONE]", _national_phone()),
        Shape("[PHONE]", _PHONE_NO_TRUNK),
        Shape("[DATE]", _NUMERIC_DATE_SHORT),
        Shape("[DATE]", _COMPACT_DATE),
        Shape("[ID]", _LONG_NUMBER),
    )
