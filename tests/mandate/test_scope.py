"""The row scope: one vectorised Polars filter, checked against a plain-Python reference."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.dates_reference import reference_day

from sceau.mandate.model import RowCondition
from sceau.mandate.scope import scope_filter

# --- the reference: sceau.dates' grammar, written out by hand (tests/dates_reference.py) -------


def reference(condition: RowCondition, value: str | None) -> bool:
    if value is None:
        return False
    admitted = True
    if condition.one_of is not None:
        admitted &= value.strip(" \t") in {v.strip(" \t") for v in condition.one_of}
    if condition.since is not None or condition.until is not None:
        day = reference_day(value)
        if day is None:
            return False
        if condition.since is not None:
            admitted &= day >= condition.since
        if condition.until is not None:
            admitted &= day < condition.until
    return admitted


def admitted(frame: pl.DataFrame, rows: list[RowCondition]) -> list[bool]:
    return frame.with_columns(scope_filter(rows).alias("in_scope"))["in_scope"].to_list()


# --- strategies ---------------------------------------------------------------------------------

FORMS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y%m%d")
padding = st.sampled_from(["", " ", "  ", "\t"])
times = st.one_of(
    st.just(""),
    st.builds(
        lambda sep, h, m, s, frac, zone: f"{sep}{h:02d}:{m:02d}{s}{frac}{zone}",
        st.sampled_from(["T", " ", "_"]),
        st.integers(0, 25),
        st.integers(0, 61),
        st.sampled_from(["", ":00", ":59", ":60", ":7"]),
        st.sampled_from(["", ".5", ",123456", ".1234567890"]),
        st.sampled_from(["", "Z", "+01:00", "-0530", "+24:00", "z"]),
    ),
)
EDGES = [date(2018, 12, 31), date(2019, 1, 1), date(2019, 1, 2), date(2020, 2, 29)]
EDGES += [date(2020, 12, 31), date(2021, 1, 1), date(2021, 1, 2)]
days = st.one_of(st.sampled_from(EDGES), st.dates(date(1000, 1, 1), date(9999, 12, 31)))
valid_dates = st.builds(
    lambda day, form, time, left, right: f"{left}{day.strftime(form)}{time}{right}",
    days,
    st.sampled_from(FORMS),
    times,
    padding,
    padding,
)
near_dates = st.builds(  # the shape of a date, not always a day of the calendar
    lambda d, m, y, form: (
        form.replace("%d", f"{d:02d}").replace("%m", f"{m:02d}").replace("%Y", f"{y:04d}")
    ),
    st.integers(0, 39),
    st.integers(0, 19),
    st.integers(0, 9999),
    st.sampled_from([*FORMS, "%d/%m-%Y", "%Y/%m/%d", "%d%m%Y", "%m/%Y"]),
)
noise = st.text(alphabet="0123456789/-.:TZ+ ab²٣", max_size=14)
cells = st.one_of(st.none(), valid_dates, near_dates, noise)
labs = st.sampled_from(["750000001", "750000002", " 750000001 ", "690000003", "", "7500000010"])
bounds = st.one_of(st.none(), days)  # often the very days the cells hold


@st.composite
def conditions(draw) -> RowCondition:
    column = draw(st.sampled_from(["visit", "lab"]))
    one_of = draw(st.one_of(st.none(), st.lists(labs, min_size=1, max_size=3).map(tuple)))
    since, until = draw(bounds), draw(bounds)
    if one_of is None and since is None and until is None:
        since = date(2019, 1, 1)
    return RowCondition(column, one_of, since, until)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(cells, min_size=1, max_size=20), since=bounds, until=bounds)
def test_dates_match_the_reference(values, since, until):
    condition = RowCondition("visit", since=since or date(1000, 1, 1), until=until)
    frame = pl.DataFrame({"visit": values}, schema={"visit": pl.String})
    assert admitted(frame, [condition]) == [reference(condition, v) for v in values]


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.tuples(cells, st.one_of(st.none(), labs)), min_size=1, max_size=15),
    rules=st.lists(conditions(), max_size=3),
)
def test_conditions_combine_as_the_reference_does(rows, rules):
    frame = pl.DataFrame(
        {"visit": [r[0] for r in rows], "lab": [r[1] for r in rows]},
        schema={"visit": pl.String, "lab": pl.String},
    )
    expected = [
        all(reference(rule, visit if rule.column == "visit" else lab) for rule in rules)
        for visit, lab in rows
    ]
    assert admitted(frame, rules) == expected


# --- examples -----------------------------------------------------------------------------------

VISITS = RowCondition("visit", since=date(2019, 1, 1), until=date(2021, 1, 1))


def test_no_condition_admits_every_row_even_empty_ones():
    frame = pl.DataFrame({"visit": [None, "", "x"]}, schema={"visit": pl.String})
    assert admitted(frame, []) == [True, True, True]


def test_from_is_included_and_until_excluded_whatever_the_form_and_time():
    values = [
        "01/01/2019",
        "2019-01-01T00:00:00Z",
        "31.12.2020 23:59:59",
        "20201231",
        "31-12-2020",
        "1/2/2020 7h30",
        "2020/01/02",
        "01/01/2021",
        "2021-01-01 00:00",
        "31/12/2018",
    ]
    frame = pl.DataFrame({"visit": values})
    assert admitted(frame, [VISITS]) == [True] * 7 + [False] * 3


def test_missing_and_unreadable_values_stay_in_the_source():
    values = [None, "", "  ", "30/02/2020", "2020-13-01", "1/2/20", "2020/01-02", "hier", "0"]
    frame = pl.DataFrame({"visit": values}, schema={"visit": pl.String})
    assert admitted(frame, [VISITS]) == [False] * len(values)


def test_in_is_an_exact_match_after_stripping():
    rule = RowCondition("lab", one_of=("750000001", " 750000002"))
    frame = pl.DataFrame({"lab": ["750000001", " 750000002 ", "7500000011", "75000000", None]})
    assert admitted(frame, [rule]) == [True, True, False, False, False]


def test_values_are_never_evaluated():
    rule = RowCondition("lab", one_of=("__import__('os').system('false')", "1 or 1=1"))
    frame = pl.DataFrame({"lab": ["x", "1", "__import__('os').system('false')"]})
    assert admitted(frame, [rule]) == [False, False, True]


def test_typed_date_columns_are_read_too():
    frame = pl.DataFrame(
        {
            "visit": [date(2019, 1, 1), date(2021, 1, 1), None],
            "seen": [datetime(2020, 5, 1, 10, 30), datetime(2018, 5, 1), None],
        }
    )
    assert admitted(frame, [VISITS]) == [True, False, False]
    seen = RowCondition("seen", since=date(2019, 1, 1), until=date(2021, 1, 1))
    assert admitted(frame, [seen]) == [True, False, False]


def test_a_lazy_frame_is_filtered_the_same_way():
    frame = pl.LazyFrame({"visit": ["2019-06-01", "2022-06-01"], "lab": ["750000001"] * 2})
    rules = [VISITS, RowCondition("lab", one_of=("750000001",))]
    assert frame.filter(scope_filter(rules)).collect()["visit"].to_list() == ["2019-06-01"]
