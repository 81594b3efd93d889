"""Dates in French and ISO forms, checked against the calendar; `parse_dates` for the classifier."""

from __future__ import annotations

import datetime as dt

import polars as pl

from sceau.detect.base import Category, Detector, register

_D2 = "[0-9]{1,2}"
_TIME = (
    r"(?:[ T](?:[01]?[0-9]|2[0-3])[:h][0-5][0-9](?::[0-5][0-9](?:[.,][0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_YEAR = "(?:[0-9]{4}|[0-9]{2})"
_DAY_FIRST = "|".join(rf"{_D2}{sep}{_D2}{sep}{_YEAR}" for sep in ("/", r"\.", "-"))
_ISO = rf"[0-9]{{4}}-{_D2}-{_D2}"
_COMPACT = r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_EARLIEST, _LATEST = 1850, 2100

# Every form is rewritten to year-month-day by regex (one pass each), then parsed once.
_SEP = "[/.-]"
_REST = "(?:[ T].*)?$"
_CANONICAL = (
    rf"^(?:(?P<dd>{_D2}){_SEP}(?P<dm>{_D2}){_SEP}(?P<dy>[0-9]{{4}})"
    rf"|(?P<iy>[0-9]{{4}}){_SEP}(?P<im>{_D2}){_SEP}(?P<id>{_D2})"
    rf"|(?P<cy>[0-9]{{4}})(?P<cm>[0-9]{{2}})(?P<cd>[0-9]{{2}})){_REST}"
)
_CANONICAL_TO = "${dy}${iy}${cy}-${dm}${im}${cm}-${dd}${id}${cd}"


def _two_digit_years_above(pivot: int) -> str:
    """A regex for the two-digit numbers above ``pivot`` (0-99): pivot 26 -> 2[7-9]|[3-9][0-9]."""
    tens, units = divmod(pivot, 10)
    parts = [f"{tens}[{units + 1}-9]"] if units < 9 else []
    if tens < 9:
        parts.append(f"[{tens + 1}-9][0-9]")
    return "|".join(parts) or "(?!)"


def parse_dates(values: pl.Expr, *, pivot: int | None = None) -> pl.Expr:
    """The calendar date in each cell (null where there is none), for year distributions.

    Day-first forms (dd/mm/yyyy, d.m.yy, dd-mm-yyyy), ISO (yyyy-mm-dd, with a time or not) and
    yyyymmdd. A two-digit year is read in the past century when it is above ``pivot`` (by default
    this year's last two digits): "45" is 1945, since most two-digit years are birth years.
    """
    pivot = dt.date.today().year % 100 if pivot is None else pivot
    short = rf"^({_D2}{_SEP}{_D2}{_SEP})"
    text = values.str.strip_chars()
    if pivot < 99:
        last_century = _two_digit_years_above(pivot)
        text = text.str.replace(rf"{short}({last_century}){_REST}", "${1}19${2}")
    text = text.str.replace(rf"{short}([0-9]{{2}}){_REST}", "${1}20${2}")
    canonical = text.str.replace(_CANONICAL, _CANONICAL_TO)
    return canonical.str.to_date("%Y-%m-%d", strict=False)


@register
class Date(Detector):
    """A real calendar date between 1850 and 2100, with an optional time of day."""

    name = "date"
    category = Category.DATE
    pattern = rf"(?:{_DAY_FIRST}|{_ISO}|{_COMPACT}){_TIME}"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        return parse_dates(candidates).dt.year().is_between(_EARLIEST, _LATEST)
