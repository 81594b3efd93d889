"""`parse_dates` and the DATE detector against Python's own calendar."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from sceau.detect.base import registered
from sceau.detect.identifiers import parse_dates

DATE = next(detector for detector in registered() if detector.name == "date")
FORMS = {
    "%d/%m/%Y": lambda d: d.strftime("%d/%m/%Y"),
    "%d-%m-%Y": lambda d: d.strftime("%d-%m-%Y"),
    "%d.%m.%Y": lambda d: d.strftime("%d.%m.%Y"),
    "%Y-%m-%d": lambda d: d.isoformat(),
    "%Y%m%d": lambda d: d.strftime("%Y%m%d"),
    "d/m/Y": lambda d: f"{d.day}/{d.month}/{d.year}",
    "iso time": lambda d: f"{d.isoformat()}T08:30:00",
    "time": lambda d: d.strftime("%d/%m/%Y 14:05"),
}


def parsed(values: list[str], pivot: int | None = None) -> list[dt.date | None]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(parse_dates(pl.col("v"), pivot=pivot)).to_series().to_list()


@given(
    st.lists(
        st.tuples(
            st.dates(dt.date(1850, 1, 1), dt.date(2099, 12, 31)), st.sampled_from(sorted(FORMS))
        ),
        min_size=1,
        max_size=40,
    )
)
def test_every_form_parses_back_to_the_date(cases):
    texts = [FORMS[form](date) for date, form in cases]
    assert parsed(texts) == [date for date, _ in cases]
    frame = pl.DataFrame({"v": texts})
    assert frame.select(DATE.matches(pl.col("v"))).to_series().all()


def real(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


@given(
    st.lists(
        st.tuples(st.integers(1900, 2099), st.integers(0, 13), st.integers(0, 32)),
        min_size=1,
        max_size=40,
    )
)
def test_only_calendar_dates_match(triples):
    texts = [f"{day:02d}/{month:02d}/{year}" for year, month, day in triples]
    frame = pl.DataFrame({"v": texts})
    got = frame.select(DATE.matches(pl.col("v"))).to_series().to_list()
    assert got == [real(*triple) for triple in triples]


@given(st.integers(0, 99), st.integers(0, 98))
def test_two_digit_years_above_the_pivot_are_last_century(year, pivot):
    [date] = parsed([f"01/02/{year:02d}"], pivot=pivot)
    assert date == dt.date(1900 + year if year > pivot else 2000 + year, 2, 1)
