"""The grammar of sceau.dates written out by hand, in plain Python: the oracle its property tests
check the scan's detector, generalisation and row scopes against."""

from __future__ import annotations

import re
from datetime import date

EARLIEST, LATEST = 1850, 2100
_TIME = re.compile(
    r"(?:[01]?\d|2[0-3])[:h][0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?", re.ASCII
)
_DIGITS = frozenset("0123456789")


def reference_day(value: str | None, *, pivot: int | None = None) -> date | None:
    """The day ``value`` holds, or None; with ``pivot``, two-digit years too."""
    if value is None:
        return None
    text = value.strip()
    cut = min((i for i in (text.find(" "), text.find("T")) if i >= 0), default=len(text))
    day_part, time_part = text[:cut], text[cut + 1 :]
    if cut < len(text) and not _TIME.fullmatch(time_part):
        return None
    found = _day_first(day_part, pivot) or _year_first(day_part) or _compact(day_part)
    if found is None:
        return None
    year, month, day = found
    try:
        result = date(year, month, day)
    except ValueError:
        return None
    return result if EARLIEST <= result.year <= LATEST else None


def _parts(text: str, widths: tuple[set[int], set[int], set[int]]) -> list[str] | None:
    """Three runs of digits of the given widths, split by one separator throughout."""
    for separator in "/.-":
        parts = text.split(separator)
        if len(parts) == 3 and all(
            set(part) <= _DIGITS and len(part) in allowed
            for part, allowed in zip(parts, widths, strict=True)
        ):
            return parts
    return None


def _day_first(text: str, pivot: int | None) -> tuple[int, int, int] | None:
    parts = _parts(text, ({1, 2}, {1, 2}, {4} if pivot is None else {2, 4}))
    if parts is None:
        return None
    day, month, year = (int(part) for part in parts)
    if len(parts[2]) == 2 and pivot is not None:
        year += 1900 if year > pivot else 2000
    return year, month, day


def _year_first(text: str) -> tuple[int, int, int] | None:
    parts = _parts(text, ({4}, {1, 2}, {1, 2}))
    return None if parts is None else (int(parts[0]), int(parts[1]), int(parts[2]))


def _compact(text: str) -> tuple[int, int, int] | None:
    if len(text) != 8 or not set(text) <= _DIGITS:
        return None
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    if not (1800 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return year, month, day
