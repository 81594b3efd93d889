"""Fingerprints are keyed, per kind, stable, and carry nothing of the value."""

from __future__ import annotations

import hashlib
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


def _recorded(value: str, kind: Kind, secret: bytes) -> int:
    """The fingerprint as it is recorded: keyed BLAKE2b, 8 bytes, the kind as its person."""
    person = f"sceau-{kind.value}"[:16].encode("ascii")
    digest = hashlib.blake2b(value.encode(), key=secret, digest_size=8, person=person).digest()
    return int.from_bytes(digest, "big")


@pytest.mark.parametrize("repeats", [1, 5])  # each key hashed as it stands, or once per distinct
def test_every_fingerprint_is_the_recorded_digest(repeats):
    secret = os.urandom(32)
    values = [f"06{n:08d}" if n % 7 else None for n in range(200)] * repeats
    found = fingerprints(pl.DataFrame({Kind.PHONE: values}), secret)[Kind.PHONE].to_list()
    assert found == [None if v is None else _recorded(v, Kind.PHONE, secret) for v in values]
