"""Generalisation: a date becomes its year or month, a postcode its department.

Coarser values still serve statistics and most follow-up, and identify far fewer people: a
birth date and a postcode single out most of the population; a birth year and a department do
not. A cell that cannot be read is nulled, never copied: what sceau cannot understand, it does not
pass on.

Dates (``year`` → ``1984``, ``month`` → ``1984-03``) are read as :mod:`sceau.dates` reads them,
the scan and a mandate's row scope alike: ``dd/mm/yyyy``, ``yyyy-mm-dd``, ``yyyymmdd`` and their
variants, with or without a time, a real day between 1850 and 2100. Two-digit years
(``12/03/84``) are nulled: reading them needs a guess of the century, and a birth year guessed
wrong is wrong data.

Postcodes (``department``): five digits that the scan's postcode detector accepts. Mainland
codes give their first two digits (``13008`` → ``13``), overseas ones (97x, 98x) their first three
(``97411`` → ``974``), and Corsica's 20xxx its department: ``2A`` for 200xx-201xx, ``2B`` for
202xx-206xx; 207xx-209xx are no Corsican postcode and are nulled.
"""

from __future__ import annotations

import polars as pl

from sceau.dates import read_day
from sceau.detect.identifiers.postcode import Postcode
from sceau.protect.base import ProtectError

LEVELS = ("year", "month", "department")

_FORMATS = {"year": "%Y", "month": "%Y-%m"}


def generalise(values: pl.Series, level: str) -> pl.Series:
    """Each cell at ``level`` ("year", "month" or "department"); null where it cannot be read."""
    if level not in LEVELS:
        raise ProtectError(
            f"unknown generalisation level {level!r}",
            hint=f"use one of: {', '.join(LEVELS)}",
            where="generalise",
        )
    value = pl.col("value").str.strip_chars()
    expression = _department(value) if level == "department" else _date(value, level)
    # Dates and postcodes repeat: each distinct one is read once, then joined back.
    frame = pl.DataFrame({"value": values.cast(pl.String)})
    distinct = frame.unique().with_columns(expression.alias("general"))
    mapped = frame.join(distinct, on="value", how="left", maintain_order="left")
    return mapped.get_column("general").alias(values.name)


def _date(value: pl.Expr, level: str) -> pl.Expr:
    return read_day(value).dt.strftime(_FORMATS[level])


def _department(value: pl.Expr) -> pl.Expr:
    code = pl.when(Postcode().matches(value)).then(value)
    corsica = code.str.slice(2, 1)
    return (
        pl.when(code.str.starts_with("97") | code.str.starts_with("98"))
        .then(code.str.head(3))
        .when(~code.str.starts_with("20"))
        .then(code.str.head(2))
        .when(corsica.is_in(["0", "1"]))
        .then(pl.lit("2A"))
        .when(corsica.is_in(["2", "3", "4", "5", "6"]))
        .then(pl.lit("2B"))
    )
