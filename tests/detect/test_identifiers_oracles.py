"""Validators checked against well-kept libraries on generated inputs: stdnum and phonenumbers."""

from __future__ import annotations

import re

import phonenumbers
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.fr import nir as std_nir

from sceau.detect.base import Detector, registered
from sceau.detect.identifiers.iban import _BBAN

DETECTORS = {detector.name: detector for detector in registered()}
BATCH = st.lists  # every example is a batch: one Polars evaluation checks many values


def matches(detector: Detector, values: list[str]) -> list[bool]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(detector.matches(pl.col("v"))).to_series().to_list()


def digits(size: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=size, max_size=size)


# --- NIR: stdnum.fr.nir checks length, 2A/2B and the key; sceau also checks sex, month, department.

DEPARTMENTS = st.one_of(digits(2), st.sampled_from(["2A", "2B"]))


@st.composite
def nir_like(draw: st.DrawFn) -> str:
    body = (
        draw(st.sampled_from("0123456789")) + draw(digits(4)) + draw(DEPARTMENTS) + draw(digits(6))
    )
    right = draw(st.booleans())
    key = std_nir.calc_check_digits(body + "00") if right else draw(digits(2))
    number = body + key
    form = draw(st.sampled_from(["compact", " ", ".", "-"]))
    if form == "compact":
        return number
    groups = (
        number[0],
        number[1:3],
        number[3:5],
        number[5:7],
        number[7:10],
        number[10:13],
        number[13:],
    )
    return form.join(groups)


def nir_structure_ok(compact: str) -> bool:
    month, department = int(compact[3:5]), compact[5:7]
    return (
        compact[0] in "123478"
        and (1 <= month <= 12 or 20 <= month <= 42 or month >= 50)
        and department not in ("00", "96")
    )


@settings(max_examples=60)
@given(BATCH(nir_like(), min_size=1, max_size=40))
def test_nir_agrees_with_stdnum(values):
    expected = []
    for value in values:
        compact = value.replace("-", "").replace(" ", "").replace(".", "")
        expected.append(std_nir.is_valid(compact) and nir_structure_ok(compact))
    assert matches(DETECTORS["nir"], values) == expected


nir_bodies = st.builds(
    lambda sex, digits_1, department, digits_2: sex + digits_1 + department + digits_2,
    st.sampled_from("123478"),
    digits(4),
    DEPARTMENTS,
    digits(6),
)


def spaced(body: str, key: str, separator: str) -> str:
    groups = (body[0], body[1:3], body[3:5], body[5:7], body[7:10], body[10:13], key)
    return separator.join(groups)


@given(BATCH(nir_bodies, min_size=1, max_size=40), st.sampled_from(["", " ", ".", "-"]))
def test_nir_with_a_wrong_key_never_matches(bodies, separator):
    right = [std_nir.calc_check_digits(body + "00") for body in bodies]
    wrong = [f"{int(key) % 97 + 1:02d}" for key in right]  # 01..97, never the right key
    look_alikes = [spaced(b, k, separator) for b, k in zip(bodies, wrong, strict=True)]
    assert not any(matches(DETECTORS["nir"], look_alikes))
    originals = [spaced(b, k, separator) for b, k in zip(bodies, right, strict=True)]
    expected = [nir_structure_ok(body + "00") for body in bodies]
    assert matches(DETECTORS["nir"], originals) == expected


# --- IBAN: stdnum.iban (registry structure + mod 97); national keys (e.g. the French RIB key)
# are not checked by sceau, so the oracle runs with check_country=False.

_KIND = {
    "n": "0123456789",
    "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
}


@st.composite
def iban_like(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(sorted(_BBAN)))
    if draw(st.integers(0, 4)) == 0:  # sometimes any characters, of any length
        bban = draw(st.text(_KIND["c"], min_size=8, max_size=30))
    else:
        bban = ""
        for count, kind in re.findall(r"(\d+)!([nac])", _BBAN[country]):
            bban += draw(st.text(_KIND[kind], min_size=int(count), max_size=int(count)))
    if draw(st.booleans()):
        check = std_iban.calc_check_digits(country + "00" + bban)
    else:
        check = draw(digits(2))
    number = country + check + bban
    if draw(st.booleans()):
        number = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return number


@settings(max_examples=60)
@given(BATCH(iban_like(), min_size=1, max_size=40))
def test_iban_agrees_with_stdnum(values):
    expected = [std_iban.is_valid(value, check_country=False) for value in values]
    assert matches(DETECTORS["iban"], values) == expected


# --- Luhn-checked numbers: RPPS, ADELI, FINESS against stdnum.luhn.


@st.composite
def luhn_like(draw: st.DrawFn, size: int, prefix: st.SearchStrategy[str]) -> str:
    head = draw(prefix)
    body = head + draw(digits(size - 1 - len(head)))
    if draw(st.booleans()):  # Corsican FINESS: the key is computed with 2A/2B read as 20
        return body + luhn.calc_check_digit(body.replace("2A", "20").replace("2B", "20"))
    return body + draw(digits(1))


@settings(max_examples=60)
@given(BATCH(luhn_like(11, st.sampled_from(["1", "10", "2", ""])), min_size=1, max_size=40))
def test_rpps_agrees_with_luhn(values):
    expected = [value[0] == "1" and luhn.is_valid(value) for value in values]
    assert matches(DETECTORS["rpps"], values) == expected


@settings(max_examples=60)
@given(BATCH(luhn_like(9, digits(2)), min_size=1, max_size=40))
def test_adeli_agrees_with_luhn(values):
    expected = [value[:2] not in ("00", "99") and luhn.is_valid(value) for value in values]
    assert matches(DETECTORS["adeli"], values) == expected


@settings(max_examples=60)
@given(
    BATCH(luhn_like(9, st.one_of(digits(2), st.just("2A"), st.just("2B"))), min_size=1, max_size=40)
)
def test_finess_agrees_with_luhn(values):
    def expected(value: str) -> bool:
        department = value[:2]
        if department in ("2A", "2B"):
            return luhn.is_valid("20" + value[2:])
        return department not in ("00", "96", "99") and luhn.is_valid(value)

    assert matches(DETECTORS["finess"], values) == [expected(v) for v in values]


# --- Phone: phonenumbers (region FR, is_valid_number). Deliberate divergence: sceau also accepts
# the overseas departments dialled as French numbers (0262, 0269, 0590, 0594, 0596, 0639, 069x),
# which phonenumbers files under RE, YT, GP, GF and MQ.

OVERSEAS_PREFIXES = ("262", "590", "594", "596", "639", "690", "691", "692", "693", "694", "695",
                     "696", "697")  # fmt: skip
OVERSEAS_REGIONS = ("RE", "YT", "GP", "GF", "MQ", "BL", "MF")

national_numbers = st.builds(
    lambda head, tail: head + tail, st.sampled_from("123456789"), digits(8)
)


def phone_valid(nsn: str, region: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse("0" + nsn, region))


@settings(max_examples=60)
@given(BATCH(national_numbers, min_size=1, max_size=40))
def test_phone_agrees_with_phonenumbers(nsns):
    got = matches(DETECTORS["phone"], ["0" + nsn for nsn in nsns])
    for nsn, result in zip(nsns, got, strict=True):
        if nsn.startswith(OVERSEAS_PREFIXES):
            if any(phone_valid(nsn, region) for region in OVERSEAS_REGIONS):
                assert result, nsn
        else:
            assert result == phone_valid(nsn, "FR"), nsn


def render(nsn: str, style: str) -> str:
    pairs = " ".join(nsn[i : i + 2] for i in range(1, 9, 2))
    return {
        "compact": "0" + nsn,
        "spaced": f"0{nsn[0]} {pairs}",
        "dotted": f"0{nsn[0]}.{pairs.replace(' ', '.')}",
        "dashed": f"0{nsn[0]}-{pairs.replace(' ', '-')}",
        "plus": f"+33 {nsn[0]} {pairs}",
        "plus_compact": "+33" + nsn,
        "double_zero": f"0033 {nsn[0]} {pairs}",
        "trunk": f"+33 (0){nsn[0]} {pairs}",
    }[style]


STYLES = st.sampled_from(
    ["compact", "spaced", "dotted", "dashed", "plus", "plus_compact", "double_zero", "trunk"]
)


@given(BATCH(st.tuples(national_numbers, STYLES), min_size=1, max_size=40))
def test_phone_forms_agree_with_the_national_form(cases):
    rendered = matches(DETECTORS["phone"], [render(nsn, style) for nsn, style in cases])
    national = matches(DETECTORS["phone"], ["0" + nsn for nsn, _ in cases])
    assert rendered == national
