"""Argon2id re-hashing: every output verifies, none shows the password, every cell its own salt."""

from __future__ import annotations

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.protect.rehash import IN_PROCESS_BELOW, Argon2Params, rehash_passwords

CHEAP = Argon2Params(memory_cost=8, time_cost=1)  # for tests only: 8 KiB, one pass
VERIFIER = PasswordHasher()


def series(values: list[str | None]) -> pl.Series:
    return pl.Series("password", values, dtype=pl.String)


def salt(phc: str) -> str:
    return phc.split("$")[4]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=10))
def test_each_hash_verifies_and_hides_the_password(values):
    hashed = rehash_passwords(series(values), params=CHEAP, workers=1)
    assert hashed.name == "password"
    for value, phc in zip(values, hashed.to_list(), strict=True):
        if value is None:
            assert phc is None
            continue
        assert phc.startswith("$argon2id$v=19$m=8,t=1,p=1$")
        assert VERIFIER.verify(phc, value)
        if len(value) >= 4:
            assert value not in phc


def test_duplicates_get_their_own_salt():
    hashed = rehash_passwords(series(["azerty"] * 5), params=CHEAP, workers=1).to_list()
    assert len(set(hashed)) == 5
    assert len({salt(phc) for phc in hashed}) == 5
    assert all(VERIFIER.verify(phc, "azerty") for phc in hashed)


def test_a_wrong_password_does_not_verify():
    phc = rehash_passwords(series(["azerty"]), params=CHEAP).item()
    try:
        VERIFIER.verify(phc, "azerty1")
    except VerifyMismatchError:
        return
    raise AssertionError("a wrong password verified")


def test_the_defaults_are_owasp_s():
    phc = rehash_passwords(series(["motdepasse", None])).to_list()
    assert phc[0].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert VERIFIER.verify(phc[0], "motdepasse")
    assert phc[1] is None
    assert len(salt(phc[0])) == 22  # 16 bytes, base64 without padding


def test_old_hashes_are_wrapped_not_kept():
    old = [
        "$2b$12$" + "a" * 53,  # bcrypt
        "5f4dcc3b5aa765d61d8327deb882cf99",  # md5("password")
        "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
    ]
    hashed = rehash_passwords(series(old), params=CHEAP).to_list()
    for value, phc in zip(old, hashed, strict=True):
        assert phc != value
        assert value not in phc
        assert VERIFIER.verify(phc, value)  # the portal verifies Argon2id(old hash)


def test_many_cells_are_hashed_by_worker_processes():
    values = [f"pw{i % 50}" if i % 7 else None for i in range(IN_PROCESS_BELOW * 2)]
    hashed = rehash_passwords(series(values), params=CHEAP, workers=2).to_list()
    for value, phc in zip(values, hashed, strict=True):
        assert (phc is None) == (value is None)
        if value is not None:
            assert VERIFIER.verify(phc, value)
    present = [phc for phc in hashed if phc is not None]
    assert len({salt(phc) for phc in present}) == len(present)
