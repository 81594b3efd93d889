"""Keyed pseudonyms: HMAC tokens and FF3-1 NIR pseudonyms, against stdnum and a reference."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import cache

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.fr import nir as std_nir

from sceau.crypto.kdf import derive_key
from sceau.detect.identifiers.nir import NIR
from sceau.protect.pseudonymise import pseudonymise, pseudonymise_nir
from sceau.synth import generate

from .strategies import KEYS, compact, valid_nirs

TOKEN = re.compile(r"^psd2_[a-z2-7]{26}$")
KEY = bytes(range(32))
CELLS = st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=30)


NIR_SHAPED = re.compile(
    r"[1-478][ .-]?[0-9]{2}[ .-]?[0-9]{2}[ .-]?(?:[0-9]{2}|2[ABab])(?:[ .-]?[0-9]){6}[ .-]?[0-9]{2}"
)


# Unicode White_Space, which Polars strips: Python's str.strip also strips \x1c-\x1f
WHITE_SPACE = "".join(
    c for c in map(chr, range(0x3001)) if c.isspace() and c not in "\x1c\x1d\x1e\x1f"
)


def reference_canonical(value: str) -> str:
    """The documented canonical form: stripped; a NIR-shaped value compact and upper-case."""
    canonical = value.strip(WHITE_SPACE)
    if NIR_SHAPED.fullmatch(canonical):
        canonical = re.sub("[ .-]", "", canonical).upper()
    return canonical


def reference_token(key: bytes, value: str) -> str:
    """The documented recipe, written out with the standard library alone."""
    message = reference_canonical(value).encode()
    digest = hmac.new(derive_key(key, "pseudonym hmac"), message, hashlib.sha256).digest()
    return "psd2_" + base64.b32encode(digest).decode().lower()[:26]


def series(values: list[str | None]) -> pl.Series:
    return pl.Series("column", values, dtype=pl.String)


def nir_valid(values: list[str]) -> list[bool]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(NIR().matches(pl.col("v"))).to_series().to_list()


# --- pseudonymise


@settings(max_examples=60, deadline=None)
@given(CELLS, KEYS)
def test_tokens_follow_the_documented_recipe(values, key):
    tokens = pseudonymise(series(values), key).to_list()
    for value, token in zip(values, tokens, strict=True):
        if value is None:
            assert token is None
        else:
            assert TOKEN.match(token)
            assert token == reference_token(key, value)


@settings(max_examples=60, deadline=None)
@given(CELLS, KEYS, KEYS)
def test_deterministic_and_keyed(values, key, other_key):
    once, again = pseudonymise(series(values), key), pseudonymise(series(values), key)
    assert once.to_list() == again.to_list()
    other = pseudonymise(series(values), other_key).to_list()
    for token, other_token in zip(once.to_list(), other, strict=True):
        if token is not None and key != other_key:
            assert token != other_token


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), max_size=40))
def test_distinct_values_get_distinct_tokens_and_never_show(values):
    tokens = pseudonymise(series(values), KEY).to_list()
    by_value = dict(zip((reference_canonical(v) for v in values), tokens, strict=True))
    assert len(set(by_value.values())) == len(by_value)
    for value, token in zip(values, tokens, strict=True):
        assert token != value
        if len(value.strip()) >= 6:
            assert value.strip() not in token
    assert pseudonymise(series(["\x1f a \x1f"]), KEY).item() == reference_token(KEY, "\x1f a \x1f")


@settings(deadline=None)
@given(valid_nirs())
def test_a_grouped_nir_and_its_compact_form_share_a_token(nir):
    tokens = pseudonymise(series([nir, compact(nir), f"  {nir} "]), KEY).to_list()
    assert len(set(tokens)) == 1


def test_a_known_vector():
    tokens = pseudonymise(series(["MARTIN", " MARTIN ", "Martin", None]), KEY).to_list()
    assert tokens[0] == tokens[1] == reference_token(KEY, "MARTIN")
    assert tokens[2] != tokens[0]
    assert tokens[3] is None


def test_empty_and_all_null_columns():
    assert pseudonymise(series([]), KEY).to_list() == []
    assert pseudonymise(pl.Series("c", [None, None]), KEY).to_list() == [None, None]
    assert pseudonymise_nir(series([]), KEY).to_list() == []
    assert pseudonymise_nir(pl.Series("c", [None, None]), KEY).to_list() == [None, None]


# --- pseudonymise_nir


@settings(max_examples=40, deadline=None)
@given(st.lists(valid_nirs(), min_size=1, max_size=30), KEYS)
def test_nir_pseudonyms_are_valid_nirs_with_the_same_sex(nirs, key):
    out = pseudonymise_nir(series(nirs), key).to_list()
    for nir, pseudonym in zip(nirs, out, strict=True):
        assert len(pseudonym) == 15
        assert std_nir.is_valid(pseudonym)
        assert pseudonym[0] == nir[0]
        assert pseudonym != compact(nir)
    assert all(nir_valid(out))  # the scan's own detector: plausible month and department


@settings(max_examples=40, deadline=None)
@given(st.lists(valid_nirs(), min_size=1, max_size=30), KEYS, KEYS)
def test_nir_pseudonyms_are_deterministic_keyed_and_injective(nirs, key, other_key):
    out = pseudonymise_nir(series(nirs), key).to_list()
    assert out == pseudonymise_nir(series(nirs), key).to_list()
    assert out == pseudonymise_nir(series([compact(n) for n in nirs]), key).to_list()
    by_nir = dict(zip((compact(n) for n in nirs), out, strict=True))
    assert len(set(by_nir.values())) == len(by_nir)
    if key != other_key:
        other = pseudonymise_nir(series(nirs), other_key).to_list()
        assert sum(a == b for a, b in zip(out, other, strict=True)) <= len(out) // 10


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=20), valid_nirs()), max_size=30))
def test_cells_that_are_not_valid_nirs_get_the_hmac_token(values):
    out = pseudonymise_nir(series(values), KEY).to_list()
    valid = nir_valid(values)
    for value, ok, pseudonym in zip(values, valid, out, strict=True):
        if value is None:
            assert pseudonym is None
        elif ok:
            assert std_nir.is_valid(pseudonym)
        else:
            assert pseudonym == reference_token(KEY, value)


def test_corsica_is_a_department_of_its_own():
    body = "1850520123456"
    corsican = [body[:5] + "2A" + body[7:], body[:5] + "2B" + body[7:], body[:5] + "19" + body[7:]]
    nirs = [n + std_nir.calc_check_digits(n + "00") for n in corsican]
    out = pseudonymise_nir(series([*nirs, nirs[0].lower()]), KEY).to_list()
    assert len(set(out[:3])) == 3
    assert out[3] == out[0]


def test_a_wrong_key_is_a_token_not_a_nir():
    body = "18505780060843"
    good = body[:13] + std_nir.calc_check_digits(body[:13] + "00")
    bad = good[:13] + f"{(int(good[13:]) % 97) + 1:02d}"
    out = pseudonymise_nir(series([good, bad]), KEY).to_list()
    assert std_nir.is_valid(out[0])
    assert TOKEN.match(out[1])


@cache
def lab(lab_name: str) -> pl.DataFrame:
    return generate(1_500, seed=3, lab=lab_name).frame


def test_synthetic_nirs():
    column = lab("lab-d")["Numéro de sécurité sociale"]  # every NIR grouped, Corsica included
    out = pseudonymise_nir(column, KEY)
    valid = pl.Series(nir_valid(column.to_list()))
    assert valid.sum() > 1_400  # a few look-alikes with a wrong key
    pseudonyms = out.filter(valid).to_list()
    assert all(std_nir.is_valid(p) for p in pseudonyms)
    assert len(set(pseudonyms)) == len(set(column.filter(valid).str.replace_all(" ", "")))
    assert all(TOKEN.match(t) for t in out.filter(~valid).to_list())
    assert out.name == column.name
