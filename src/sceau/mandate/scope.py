"""The mandate's row scope as one vectorised Polars filter: which rows may leave the source.

Conditions are data, turned into expressions here; nothing is ever evaluated as code. Deny by
default: a row whose value is missing, or is not a date sceau can read, is out of scope.

Dates are read as :mod:`sceau.dates` reads them, so that the scan, generalisation and the
scope agree on every cell: ``dd/mm/yyyy``, ``yyyy-mm-dd``, ``yyyymmdd`` and their variants, each
optionally followed by a time, a real day between 1850 and 2100; two-digit years are not read.
The time is checked, then ignored: ``from`` and ``until`` are days, ``from`` included and
``until`` excluded.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from sceau.dates import read_day
from sceau.mandate.model import RowCondition


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
        day = read_day(cell)
        if condition.since is not None:
            admitted = admitted & (day >= pl.lit(condition.since))
        if condition.until is not None:
            admitted = admitted & (day < pl.lit(condition.until))
    return admitted.fill_null(False)
