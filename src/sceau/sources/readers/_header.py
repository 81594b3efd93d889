"""Is the first row a header? Header cells are distinct names, unlike the values below them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sceau.sources.names import clean_name, unique_names

_NUMERIC = re.compile(r"^[\s+\-]*\d[\d\s.,:/\-+]*\Z")  # numbers, dates, times, phone numbers
_NAME = re.compile(r"^[^\W\d][^@\n]{0,63}\Z")  # starts with a letter, short, not an e-mail


def looks_like_header(rows: Sequence[Sequence[str]]) -> bool:
    """Votes column by column, like ``csv.Sniffer.has_header`` but tuned to lab exports.

    A header never holds a number or a date, never repeats a cell, and differs from its column:
    the column below is numeric, or of one fixed length. With nothing to tell, name-like first
    cells are taken for a header, as nearly every export has one.
    """
    if not rows:
        return False
    first = [clean_name(cell) for cell in rows[0]]
    if not any(first) or len(set(first)) != len(first):
        return False
    if any(_NUMERIC.match(cell) for cell in first if cell):
        return False
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    votes = 0
    for index, cell in enumerate(first):
        below = [row[index].strip() for row in body if index < len(row) and row[index].strip()]
        if not below:
            continue
        if cell in below:
            votes -= 1
        elif sum(1 for value in below if _NUMERIC.match(value)) >= 0.8 * len(below):
            votes += 1
        elif len(below) >= 2 and len({len(value) for value in below}) == 1:
            votes += 1 if len(cell) != len(below[0]) else 0
    if votes != 0:
        return votes > 0
    return all(_NAME.match(cell) for cell in first if cell)


def column_names(first_row: Sequence[str] | None, width: int) -> list[str]:
    """Header cells as names (cleaned, see :mod:`sceau.sources.names`), or ``column_N``."""
    if first_row is None:
        return [f"column_{index}" for index in range(1, width + 1)]
    return unique_names(first_row[i] if i < len(first_row) else "" for i in range(width))
