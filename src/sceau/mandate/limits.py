"""The bounds every mandate stays within, and the two things a mandate may never hold.

A mandate is checked against these when it is parsed, so at sign time: nothing signed can
overflow later (a retention that no date can hold, a validity past year 9999 once read in UTC)
and fail a run after data has moved. ``docs/mandate.md`` gives each bound and its reason.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from urllib.parse import parse_qsl

MAX_RETENTION_DAYS = 3650  # ten years: an unverified run's staging is never kept longer
VALIDITY_YEARS = (2000, 2199)  # a validity window, read in UTC
ROW_YEARS = (1800, 2199)  # a row scope's dates: a birth date of the 1800s is still a record
MAX_TEXT = 2000  # purpose, legal reference, a party's name (characters)
MAX_LOCATION = 4096  # a path or a database URL (PATH_MAX)
MAX_NAME = 1024  # a source column's or a table's name
MAX_COLUMNS = 4096  # source columns (MariaDB's own limit per table; PostgreSQL's is 1,600)
MAX_ROW_CONDITIONS = 64
MAX_VALUES = 10_000  # values in one row condition's `in`
MAX_REASON = 500  # an override's reason
MAX_FOUND_INSIDE = 64  # category names in a column's `found_inside`

_PASSWORD_PARAMETERS = ("password", "passwd", "pwd")
_NOT_PLAIN = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}  # controls, bidi marks, separators


def holds_password(location: str) -> bool:
    """Whether a URL carries a password: ``user:secret@host``, or ``?password=`` in its query.

    Read the way the database drivers read it (the credentials end at the last ``@``), so a
    password holding ``/`` or ``@`` is seen too.
    """
    if "://" not in location:
        return False
    rest = location.split("://", 1)[1]
    if "@" in rest:
        user, colon, secret = rest.rsplit("@", 1)[0].partition(":")
        if colon and secret and "/" not in user:
            return True
    query = rest.partition("?")[2].partition("#")[0]
    return any(
        any(word in key.lower() for word in _PASSWORD_PARAMETERS) and value
        for key, value in parse_qsl(query, keep_blank_values=True)
    )


def plain_text_problem(text: str) -> str | None:
    """Why ``text`` is not one line of plain text (a control character, a bidi mark), or None."""
    for ch in text:
        if unicodedata.category(ch) in _NOT_PLAIN:
            return f"it holds a control or formatting character (U+{ord(ch):04X})"
    return None


def year_problem(day: date, years: tuple[int, int]) -> str | None:
    """Why ``day`` falls outside ``years`` (both included), or None."""
    first, last = years
    if first <= day.year <= last:
        return None
    return f"must lie between the years {first} and {last}"
