"""Signatures and keys are read back in the one spelling base64 writes them."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sceau import b64


@given(st.binary(max_size=200))
def test_what_base64_writes_reads_back(value):
    assert b64.decode(base64.b64encode(value).decode()) == value


@given(st.binary(min_size=1, max_size=200).filter(lambda v: len(v) % 3), st.integers(1, 3))
def test_a_spelling_with_ignored_bits_set_is_refused(value, flip):
    text = base64.b64encode(value).decode()
    last = text.rstrip("=")
    unused = 2 if len(value) % 3 == 2 else 4  # bits of the last character decoding ignores
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    changed = alphabet[alphabet.index(last[-1]) ^ (flip % (1 << unused) or 1)]
    other = last[:-1] + changed + text[len(last) :]
    assert base64.b64decode(other) == value  # the lenient decoder cannot tell them apart
    with pytest.raises(ValueError, match="as sceau writes it"):
        b64.decode(other)


@pytest.mark.parametrize("text", ["not base64!", "QUJD\n", "QUJ", "QUJD==="])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError, match="base64"):
        b64.decode(text)
