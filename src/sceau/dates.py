"""One grammar of dates for every room: the scan, generalisation and a mandate's row scope read a
cell the same way, so that a row scope and the detector never disagree about one cell.

The forms French lab exports write, the whole cell being one date:

- day first, ``dd/mm/yyyy``, ``dd-mm-yyyy`` or ``dd.mm.yyyy`` (day and month on one or two
  digits, one separator throughout);
- year first, ``yyyy-mm-dd``, ``yyyy/mm/dd`` or ``yyyy.mm.dd`` (the same);
- ``yyyymmdd`` (years 1800-2099);
- each optionally followed by a time: a space or ``T``, then ``hh:mm`` or ``hh h mm`` (hour on
  one or two digits), optional seconds and fraction, optional ``Z`` or ``±hh:mm`` offset. The
  time is checked, then set aside: a cell is read as its day.

The day must exist in the Gregorian calendar and its year lie between 1850 and 2100. Two-digit
years (``12/03/84``) are read only when asked for, with a pivot (the scan's year distributions:
most are birth years); generalisation and row scopes never guess a century.
"""

from __future__ import annotations

import polars as pl

EARLIEST, LATEST = 1850, 2100

_D2, _Y4 = "[0-9]{1,2}", "[0-9]{4}"
_SEPARATORS = ("/", r"\.", "-")
DAY_FIRST = "|".join(rf"{_D2}{sep}{_D2}{sep}{_Y4}" for sep in _SEPARATORS)
DAY_FIRST_SHORT = "|".join(rf"{_D2}{sep}{_D2}{sep}[0-9]{{2}}" for sep in _SEPARATORS)
YEAR_FIRST = "|".join(rf"{_Y4}{sep}{_D2}{sep}{_D2}" for sep in _SEPARATORS)
COMPACT = r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
TIME = (
    r"(?:[ T](?:[01]?[0-9]|2[0-3])[:h][0-5][0-9](?::[0-5][0-9](?:[.,][0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_CELL = rf"^(?:{DAY_FIRST}|{YEAR_FIRST}|{COMPACT}){TIME}$"
_SHORT_CELL = rf"^(?:{DAY_FIRST_SHORT}){TIME}$"

# Every form is rewritten to year-month-day by regex (one pass each), then parsed once.
_SEP = "[/.-]"
_REST = "(?:[ T].*)?$"
_CANONICAL = (
    rf"^(?:(?P<dd>{_D2}){_SEP}(?P<dm>{_D2}){_SEP}(?P<dy>[0-9]{{4}})"
    rf"|(?P<iy>[0-9]{{4}}){_SEP}(?P<im>{_D2}){_SEP}(?P<id>{_D2})"
    rf"|(?P<cy>[0-9]{{4}})(?P<cm>[0-9]{{2}})(?P<cd>[0-9]{{2}})){_REST}"
)
_CANONICAL_TO = "${dy}${iy}${cy}-${dm}${im}${cm}-${dd}${id}${cd}"


def read_day(cell: pl.Expr, *, pivot: int | None = None) -> pl.Expr:
    """The day a text cell holds (``pl.Date``); null where it holds none in the forms above.

    ``pivot``: also read two-digit years, in the past century when above ``pivot`` (0-99) and
    in this one otherwise ("45" is 1945 with pivot 26). None: a two-digit year is no date.
    """
    text = cell.str.strip_chars()
    shaped = text.str.contains(_CELL)
    if pivot is not None:
        short = text.str.contains(_SHORT_CELL)
        shaped = shaped | short
        head = rf"^({_D2}{_SEP}{_D2}{_SEP})"
        if pivot < 99:
            last_century = _two_digit_years_above(pivot)
            text = text.str.replace(rf"{head}({last_century}){_REST}", "${1}19${2}")
        text = text.str.replace(rf"{head}([0-9]{{2}}){_REST}", "${1}20${2}")
    day = text.str.replace(_CANONICAL, _CANONICAL_TO).str.to_date("%Y-%m-%d", strict=False)
    return pl.when(shaped & day.dt.year().is_between(EARLIEST, LATEST)).then(day)


def _two_digit_years_above(pivot: int) -> str:
    """A regex for the two-digit numbers above ``pivot`` (0-99): pivot 26 -> 2[7-9]|[3-9][0-9]."""
    tens, units = divmod(pivot, 10)
    parts = [f"{tens}[{units + 1}-9]"] if units < 9 else []
    if tens < 9:
        parts.append(f"[{tens + 1}-9][0-9]")
    return "|".join(parts) or "(?!)"
