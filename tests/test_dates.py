"""One grammar of dates: the scan's detector, generalisation and row scopes read every cell as
the hand-written reference does."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.dates_reference import reference_day

from sceau.dates import read_day
from sceau.detect.identifiers.date import Date, parse_dates
from sceau.mandate.model import RowCondition
from sceau.mandate.scope import scope_filter
from sceau.protect.generalise import generalise

_FORMS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"]
_FORMS += ["%d/%m/%y", "%-d/%-m/%Y", "%Y-%-m-%-d", "%d/%m-%Y", "%m/%Y", "%d%m%Y"]
_TIMES = ["", " 14:30", "T09:05:00Z", " 7h30", " 23:59:59.5+01:00", " 24:00", "_10:00", "T1:2"]
days = st.dates(date(1700, 1, 1), date(2200, 12, 31))
shaped = st.builds(
    lambda day, form, time, pad: f"{pad}{day.strftime(form)}{time}{pad}",
    days,
    st.sampled_from(_FORMS),
    st.sampled_from(_TIMES),
    st.sampled_from(["", " ", "\t"]),
)
near = st.builds(
    lambda d, m, y, sep: f"{d}{sep}{m}{sep}{y}",
    st.integers(0, 40),
    st.integers(0, 14),
    st.sampled_from([0, 84, 1849, 1850, 2020, 2100, 2101, 9999]),
    st.sampled_from(["/", ".", "-"]),
)
cells = st.one_of(shaped, near, st.text(alphabet="0123456789/-.:Th +Z", max_size=16))
PIVOT = 26


def _each(expression: pl.Expr, values: list[str]) -> list:
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expression)["v"].to_list()


@settings(max_examples=300, deadline=None)
@given(values=st.lists(cells, min_size=1, max_size=25))
def test_every_room_reads_a_cell_as_the_reference_does(values):
    expected = [reference_day(v) for v in values]
    assert _each(read_day(pl.col("v")), values) == expected
    years = generalise(pl.Series("v", values, dtype=pl.String), "year").to_list()
    assert years == [None if day is None else f"{day.year:04d}" for day in expected]
    window = RowCondition("v", since=date(1850, 1, 1), until=date(2101, 1, 1))
    in_scope = _each(scope_filter([window]).alias("v"), values)
    assert in_scope == [day is not None for day in expected]


@settings(max_examples=300, deadline=None)
@given(values=st.lists(cells, min_size=1, max_size=25))
def test_the_detector_finds_the_days_the_reference_reads(values):
    expected = [reference_day(v, pivot=PIVOT) for v in values]
    assert _each(parse_dates(pl.col("v"), pivot=PIVOT), values) == expected
    found = _each(Date().matches(pl.col("v")), values)
    assert found == [day is not None for day in expected]
