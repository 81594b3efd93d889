"""Fingerprints are keyed, per kind, stable, and carry nothing of the value."""

from __future__ import annotations

import os

import polars as pl
import pytest

from sceau.trace.fingerprint import fingerprints
from sceau.trace.identity import Kind


def test_same_key_same_fingerprint_and_another_key_another():
    secret, other = os.urandom(32), os.urandom(32)
    keys = pl.DataFrame({Kind.NIR: ["1850575123456", None, "1850575123456", "2850575123456"]})
    first = fingerprints(keys, secret)[Kind.NIR].to_list()
    assert first[0] == first[2]
    assert first[1] is None
    assert first[3] != first[0]
    assert fingerprints(keys, secret)[Kind.NIR].to_list() == first
    assert fingerprints(keys, other)[Kind.NIR].to_list()[0] != first[0]


def test_kinds_are_kept_apart():
    secret = os.urandom(32)
    same = pl.DataFrame({Kind.EMAIL: ["0601020304"], Kind.PHONE: ["0601020304"]})
    found = fingerprints(same, secret)
    assert found[Kind.EMAIL][0] != found[Kind.PHONE][0]
    assert found.schema == {Kind.EMAIL: pl.UInt64, Kind.PHONE: pl.UInt64}


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        fingerprints(pl.DataFrame({Kind.NIR: ["x"]}), b"short")
