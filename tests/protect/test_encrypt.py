"""Field encryption: round trip, a fresh nonce per cell, bound to its context, tamper-evident."""

from __future__ import annotations

import base64
import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.crypto.envelope import SealError
from sceau.protect.encrypt import decrypt_values, encrypt_values

from .strategies import KEYS

SETTINGS = settings(max_examples=60, deadline=None)
CELLS = st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=20)
KEY = bytes(range(32))
ENC = re.compile(r"^enc1:[A-Za-z0-9_-]+=*$")


def series(values: list[str | None]) -> pl.Series:
    return pl.Series("column", values, dtype=pl.String)


@SETTINGS
@given(CELLS, KEYS, st.text(max_size=20))
def test_round_trip_and_nulls(values, key, context):
    sealed = encrypt_values(series(values), key, context=context)
    assert sealed.dtype == pl.String
    assert sealed.name == "column"
    for value, cell in zip(values, sealed.to_list(), strict=True):
        assert (cell is None) == (value is None)
        if value is not None:
            assert ENC.match(cell)
            assert cell != value
            if len(value) >= 6:
                assert value not in cell
    assert decrypt_values(sealed, key, context=context).to_list() == values


@SETTINGS
@given(st.text(max_size=20))
def test_equal_values_do_not_look_equal(value):
    sealed = encrypt_values(series([value, value]), KEY, context="m").to_list()
    assert sealed[0] != sealed[1]
    assert sealed != encrypt_values(series([value, value]), KEY, context="m").to_list()


@SETTINGS
@given(st.text(min_size=1, max_size=20), KEYS, KEYS)
def test_another_key_does_not_open(value, key, other_key):
    sealed = encrypt_values(series([value]), key, context="m")
    if key != other_key:
        with pytest.raises(SealError):
            decrypt_values(sealed, other_key, context="m")


def test_another_context_does_not_open():
    sealed = encrypt_values(series(["DUPONT"]), KEY, context="mandate-1 column nom")
    with pytest.raises(SealError) as caught:
        decrypt_values(sealed, KEY, context="mandate-1 column prenom")
    assert "DUPONT" not in str(caught.value)


@SETTINGS
@given(st.data())
def test_any_altered_byte_is_detected(data):
    cell = encrypt_values(series(["1 85 05 78 006 084 36"]), KEY, context="m").item()
    raw = bytearray(base64.urlsafe_b64decode(cell[5:]))
    position = data.draw(st.integers(0, len(raw) - 1))
    raw[position] ^= data.draw(st.integers(1, 255))
    altered = "enc1:" + base64.urlsafe_b64encode(bytes(raw)).decode()
    with pytest.raises(SealError):
        decrypt_values(series([altered]), KEY, context="m")


@pytest.mark.parametrize("cell", ["DUPONT", "enc1:***", "enc1:", "enc1:QUJD", "enc2:QUJD"])
def test_what_is_not_an_encrypted_field_is_refused_without_showing_it(cell):
    with pytest.raises(SealError) as caught:
        decrypt_values(series([cell]), KEY, context="m")
    assert cell not in str(caught.value)


def test_empty_column():
    assert encrypt_values(series([]), KEY, context="m").to_list() == []
    assert decrypt_values(series([None]), KEY, context="m").to_list() == [None]
