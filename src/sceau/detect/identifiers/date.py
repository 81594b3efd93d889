"""Dates in French and ISO forms, checked against the calendar; `parse_dates` for the classifier."""

from __future__ import annotations

import datetime as dt

import polars as pl

from sceau.detect.base import Category, Detector, register
from sceau.detect.identifiers._arith import bind

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
        # Candidates match the pattern. The usual forms, dd/mm/yyyy and yyyy-mm-dd (10
        # characters, then the time if any) and a bare yyyymmdd, are read as one integer and
        # checked by arithmetic; the others (d/m/yy...) go through `parse_dates`.
        ten = candidates.str.head(10)
        ten = pl.when(ten.str.len_bytes() == 10).then(ten)  # shorter: a time starts before
        dated = ten.str.replace_many(_SEPARATORS, _NOTHING).cast(pl.Int64, strict=False)
        compact = candidates.cast(pl.Int64, strict=False)  # digits only: yyyymmdd, no time
        iso = (candidates.str.find("-", literal=True) == 4).fill_null(False)
        day_first = (~iso).cast(pl.Int64)
        ymd = pl.coalesce(compact, bind(dated + day_first * _DAY_FIRST_FLAG, _year_month_day))
        parts = pl.struct(text=candidates, ymd=ymd)
        return bind(parts, _valid_parts)


_SEPARATORS = ["/", ".", "-"]
_NOTHING = ["", "", ""]


_DAY_FIRST_FLAG = 10**8  # added to a ddmmyyyy number (8 digits) to tell it from a yyyymmdd one


def _year_month_day(number: pl.Expr) -> pl.Expr:
    """yyyymmdd, from yyyymmdd or from ddmmyyyy + _DAY_FIRST_FLAG."""
    day_first = number % _DAY_FIRST_FLAG
    day_first = day_first % 10**4 * 10**4 + day_first // 10**4 % 100 * 100 + day_first // 10**6
    return pl.when(number >= _DAY_FIRST_FLAG).then(day_first).otherwise(number)


def _valid_parts(parts: pl.Expr) -> pl.Expr:
    ymd, text = parts.struct.field("ymd"), parts.struct.field("text")
    parsed = parse_dates(pl.when(ymd.is_null()).then(text)).dt.year()
    return pl.coalesce(bind(ymd, _real_date), parsed.is_between(_EARLIEST, _LATEST))


def _real_date(ymd: pl.Expr) -> pl.Expr:
    """Whether yyyymmdd is a day of the Gregorian calendar between 1850 and 2100."""
    year, month, day = ymd // 10**4, ymd // 100 % 100, ymd % 100
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = 30 + (month + month // 8) % 2  # 31 in January, March... July, August... December
    days = pl.when(month == 2).then(28 + leap.cast(pl.Int64)).otherwise(days)
    return year.is_between(_EARLIEST, _LATEST) & month.is_between(1, 12) & day.is_between(1, days)
