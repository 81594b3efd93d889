"""Generalisation against a pure-Python reference, on generated dates and postcodes."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.protect.base import ProtectError
from sceau.protect.generalise import generalise
from sceau.synth import generate

from .strategies import digits

SETTINGS = settings(max_examples=80, deadline=None)
# Unicode White_Space, which Polars strips (Python's str.strip also strips \x1c-\x1f)
WHITE_SPACE = "".join(
    c for c in map(chr, range(0x3001)) if c.isspace() and ord(c) not in (28, 29, 30, 31)
)
TIME = (
    r"(?:[ T](?:[01]?[0-9]|2[0-3])[:h][0-5][0-9](?::[0-5][0-9](?:[.,][0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
DAY_FIRST = re.compile(rf"([0-9]{{1,2}})([/.-])([0-9]{{1,2}})\2([0-9]{{4}}){TIME}")
YEAR_FIRST = re.compile(rf"([0-9]{{4}})([/.-])([0-9]{{1,2}})\2([0-9]{{1,2}}){TIME}")
COMPACT = re.compile(rf"((?:18|19|20)[0-9]{{2}})([0-9]{{2}})([0-9]{{2}}){TIME}")  # as sceau.dates


def reference_date(value: str | None, level: str) -> str | None:
    if value is None:
        return None
    value = value.strip(WHITE_SPACE)
    if match := DAY_FIRST.fullmatch(value):
        day, month, year = match.group(1), match.group(3), match.group(4)
    elif match := YEAR_FIRST.fullmatch(value):
        year, month, day = match.group(1), match.group(3), match.group(4)
    elif match := COMPACT.fullmatch(value):
        year, month, day = match.groups()
    else:
        return None
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    if not 1850 <= date.year <= 2100:
        return None
    return f"{date.year:04d}" if level == "year" else f"{date.year:04d}-{date.month:02d}"


def reference_department(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip(WHITE_SPACE)
    if not re.fullmatch("[0-9]{5}", value):
        return None
    if value[:2] in ("97", "98"):
        ok = value[:3] in {f"97{d}" for d in "12345678"} or value[:2] == "98"
        return value[:3] if ok else None
    if not 1 <= int(value[:2]) <= 95:
        return None
    if value[:2] == "20":
        return "2A" if value[2] in "01" else "2B" if value[2] in "23456" else None
    return value[:2]


@st.composite
def written_dates(draw: st.DrawFn) -> str:
    """A date as lab exports write it, sometimes impossible or in an unexpected form."""
    date = draw(st.dates(dt.date(1800, 1, 1), dt.date(2200, 12, 31)))
    y, m, d = f"{date.year:04d}", date.month, date.day
    m2, d2 = (f"{m:02d}", f"{d:02d}") if draw(st.booleans()) else (str(m), str(d))
    if draw(st.integers(0, 9)) == 0:  # a day the calendar does not have
        d2 = draw(st.sampled_from(["30", "31", "32", "00", "29"]))
    forms = [
        f"{d2}/{m2}/{y}",
        f"{d2}-{m2}-{y}",
        f"{d2}.{m2}.{y}",
        f"{y}-{m2}-{d2}",
        f"{y}/{m2}/{d2}",
        f"{y}{m:02d}{d:02d}",
        f"{d2}/{m2}/{y[2:]}",  # two-digit year: nulled
        f"{d2}/{m2}-{y}",  # mixed separators: nulled
    ]
    text = draw(st.sampled_from(forms))
    time = draw(
        st.sampled_from(["", " 10:30", "T08:15:00Z", " 23h59", " 7:05:09.123+01:00", " 25:00"])
    )
    pad = draw(st.sampled_from(["", " ", "\t"]))
    return pad + text + time + pad


DATE_CELLS = st.lists(
    st.one_of(st.none(), written_dates(), st.text("0123456789/.- T:", max_size=16)), max_size=40
)
POSTCODE_CELLS = st.lists(
    st.one_of(
        st.none(),
        digits(5),
        st.builds(lambda p, r: p + r, st.sampled_from(["20", "97", "98", "00", "96"]), digits(3)),
        st.text("0123456789 AB", max_size=7),
    ),
    max_size=40,
)


@SETTINGS
@given(DATE_CELLS, st.sampled_from(["year", "month"]))
def test_dates_match_the_reference(values, level):
    out = generalise(pl.Series("d", values, dtype=pl.String), level)
    assert out.to_list() == [reference_date(value, level) for value in values]
    assert out.dtype == pl.String


@SETTINGS
@given(POSTCODE_CELLS)
def test_postcodes_match_the_reference(values):
    out = generalise(pl.Series("cp", values, dtype=pl.String), "department")
    assert out.to_list() == [reference_department(value) for value in values]


@pytest.mark.parametrize(
    ("value", "year", "month"),
    [
        ("12/03/1984", "1984", "1984-03"),
        ("1984-03-12", "1984", "1984-03"),
        ("19840312", "1984", "1984-03"),
        ("12-03-1984", "1984", "1984-03"),
        ("12.03.1984 14h30", "1984", "1984-03"),
        ("1984-03-12T14:30:00Z", "1984", "1984-03"),
        ("29/02/1984", "1984", "1984-02"),
        ("29/02/1985", None, None),
        ("12/03/84", None, None),
        ("mars 1984", None, None),
        ("", None, None),
    ],
)
def test_date_forms(value, year, month):
    values = pl.Series("d", [value, None])
    assert generalise(values, "year").to_list() == [year, None]
    assert generalise(values, "month").to_list() == [month, None]


@pytest.mark.parametrize(
    ("postcode", "department"),
    [
        ("13008", "13"),
        ("01000", "01"),
        ("97411", "974"),
        ("98000", "980"),
        ("20000", "2A"),
        ("20190", "2A"),
        ("20200", "2B"),
        ("20620", "2B"),
        ("20700", None),
        ("1300", None),
        ("96000", None),
        ("2A004", None),
    ],
)
def test_department_forms(postcode, department):
    assert generalise(pl.Series("cp", [postcode]), "department").item() == department


def test_synthetic_columns_lose_their_detail_and_nothing_else():
    frame = generate(1_000, seed=5, lab="lab-d").frame  # dates as yyyymmdd
    births = frame["Date de naissance"]
    years = generalise(births, "year")
    assert years.null_count() == births.null_count()
    assert years.to_list() == births.str.slice(0, 4).to_list()
    departments = generalise(frame["Code postal"], "department")
    assert departments.null_count() == 0
    assert departments.name == "Code postal"


def test_an_unknown_level_is_refused():
    with pytest.raises(ProtectError, match="unknown generalisation level"):
        generalise(pl.Series(["1984"]), "decade")
