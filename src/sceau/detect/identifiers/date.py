"""Dates in the forms of :mod:`sceau.dates`, checked against the calendar; `parse_dates` for the
classifier."""

from __future__ import annotations

import datetime as dt

import polars as pl

from sceau.dates import (
    COMPACT,
    DAY_FIRST,
    DAY_FIRST_SHORT,
    EARLIEST,
    LATEST,
    TIME,
    YEAR_FIRST,
    read_day,
)
from sceau.detect.base import Category, Detector
from sceau.detect.identifiers._arith import bind


def parse_dates(values: pl.Expr, *, pivot: int | None = None) -> pl.Expr:
    """The calendar date in each cell (null where there is none), for year distributions.

    The forms of :mod:`sceau.dates`, two-digit years included: one is read in the past century
    when it is above ``pivot`` (by default this year's last two digits): "45" is 1945, since
    most two-digit years are birth years.
    """
    return read_day(values, pivot=dt.date.today().year % 100 if pivot is None else pivot)


class Date(Detector):
    """A real calendar date between 1850 and 2100, with an optional time of day."""

    name = "date"
    category = Category.DATE
    pattern = rf"(?:{DAY_FIRST}|{DAY_FIRST_SHORT}|{YEAR_FIRST}|{COMPACT}){TIME}"

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        # Candidates match the pattern. The usual forms, dd/mm/yyyy and yyyy-mm-dd (10
        # characters, then the time if any) and a bare yyyymmdd, are read as one integer and
        # checked by arithmetic; the others (d/m/yy...) go through `parse_dates`.
        ten = candidates.str.head(10)
        ten = pl.when(ten.str.len_bytes() == 10).then(ten)  # shorter: a time starts before
        dated = ten.str.replace_many(_SEPARATORS, _NOTHING).cast(pl.Int64, strict=False)
        compact = candidates.cast(pl.Int64, strict=False)  # digits only: yyyymmdd, no time
        iso = candidates.str.slice(4, 1).is_in(_SEPARATORS).fill_null(False)  # year first
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
    parsed = parse_dates(pl.when(ymd.is_null()).then(text))
    return pl.coalesce(bind(ymd, _real_date), parsed.is_not_null())


def _real_date(ymd: pl.Expr) -> pl.Expr:
    """Whether yyyymmdd is a day of the Gregorian calendar between 1850 and 2100."""
    year, month, day = ymd // 10**4, ymd // 100 % 100, ymd % 100
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = 30 + (month + month // 8) % 2  # 31 in January, March... July, August... December
    days = pl.when(month == 2).then(28 + leap.cast(pl.Int64)).otherwise(days)
    return year.is_between(EARLIEST, LATEST) & month.is_between(1, 12) & day.is_between(1, days)
