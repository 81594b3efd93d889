"""The mandate's row scope as one vectorised Polars filter: which rows may leave the source.

Conditions are data, turned into expressions here; nothing is ever evaluated as code. Deny by
default: a row whose value is missing, or is not a date sceau can read, is out of scope.

Dates are read in the forms French lab exports use — ``dd/mm/yyyy``, ``dd-mm-yyyy``,
``dd.mm.yyyy``, ``yyyy-mm-dd`` and ``yyyymmdd`` — each optionally followed by a time
(``T`` or a space, then ``hh:mm``, ``hh:mm:ss`` with an optional fraction, then an optional
``Z`` or ``±hh:mm`` offset). The time is checked, then ignored: ``from`` and ``until`` are days,
``from`` included and ``until`` excluded.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from sceau.mandate.model import RowCondition

_TIME = (
    r"(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.,][0-9]{1,9})?)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?)?"
)
# The whole cell, checked once (a regex without captures runs as a fast automaton); the parsers
# below then read only its date part, which this shape already fixed to two-digit days and
# months and four-digit years.
_SHAPE = (
    r"^(?:[0-9]{2}/[0-9]{2}/[0-9]{4}|[0-9]{2}-[0-9]{2}-[0-9]{4}|[0-9]{2}\.[0-9]{2}\.[0-9]{4}"
    rf"|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}|[0-9]{{8}}){_TIME}$"
)
_SEPARATED = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")  # read from the first 10 characters
_COMPACT = "%Y%m%d"  # read from the first 8


def scope_filter(rows: Sequence[RowCondition]) -> pl.Expr:
    """True for the rows every condition admits; all rows when there is no condition.

    Never null: a missing or unreadable value is False, so the row stays in the source.
    """
    admitted = pl.lit(True)
    for condition in rows:
        admitted = admitted & _condition(condition)
    return admitted


def _condition(condition: RowCondition) -> pl.Expr:
    cell = pl.col(condition.column).cast(pl.String).str.strip_chars()
    admitted = pl.lit(True)
    if condition.one_of is not None:
        admitted = admitted & cell.is_in([value.strip() for value in condition.one_of])
    if condition.since is not None or condition.until is not None:
        day = cell_date(cell)
        if condition.since is not None:
            admitted = admitted & (day >= pl.lit(condition.since))
        if condition.until is not None:
            admitted = admitted & (day < pl.lit(condition.until))
    return admitted.fill_null(False)


def cell_date(cell: pl.Expr) -> pl.Expr:
    """The day a text cell holds, in any of the forms above; null when it holds no valid day."""
    head, compact = cell.str.slice(0, 10), cell.str.slice(0, 8)
    parsed = pl.coalesce(
        *(head.str.to_date(form, strict=False) for form in _SEPARATED),
        compact.str.to_date(_COMPACT, strict=False),
    )
    return pl.when(cell.str.contains(_SHAPE) & (parsed.dt.year() >= 1)).then(parsed)
