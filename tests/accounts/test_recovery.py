"""Recovery codes: ten, 60 bits each, keyed hashes only, each good once, a new set replaces all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.accounts.conftest import dump, recorded

from sceau.accounts import recovery
from sceau.accounts.factors import WrongFactor, list_factors
from sceau.accounts.mfa_key import MfaKey
from sceau.store.schema import audit_entries, mfa_factors, recovery_codes

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


@pytest.fixture
def key() -> MfaKey:
    return MfaKey.generate()


def test_ten_codes_of_60_bits_grouped_for_reading_stored_as_keyed_hashes(
    engine, events, admin, key
):
    codes = recovery.issue(engine, events, key, admin, now=NOW)
    assert len(codes) == len(set(codes)) == 10
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(recovery.ALPHABET)
    assert len(recovery.ALPHABET) ** recovery.LENGTH >= 2**60
    for table in (recovery_codes, mfa_factors, audit_entries):
        text = dump(engine, table)
        for code in codes:
            assert code not in text
            assert code.replace("-", "") not in text
    assert recovery.remaining(engine, admin) == 10
    issued = [e for e in recorded(engine) if e["name"] == "mfa.recovery_issued"]
    assert issued == [
        {
            "name": "mfa.recovery_issued",
            "actor": admin,
            "user": admin,
            "factor": issued[0]["factor"],
            "count": 10,
        }
    ]


def test_each_code_works_once_and_says_how_many_remain(engine, events, admin, key):
    codes = recovery.issue(engine, events, key, admin, now=NOW)
    factor = recovery.use(engine, events, key, admin, codes[3].upper().replace("-", " "), now=NOW)
    assert [f.factor_id for f in list_factors(engine, admin)] == [factor]
    with pytest.raises(WrongFactor) as again:
        recovery.use(engine, events, key, admin, codes[3], now=NOW)
    assert again.value.reason == "wrong or used recovery code"
    recovery.use(engine, events, key, admin, codes[4], now=NOW)
    assert recovery.remaining(engine, admin) == 8
    used = [e for e in recorded(engine) if e["name"] == "mfa.recovery_used"]
    assert [e["remaining"] for e in used] == [9, 8]


def test_a_new_set_replaces_every_earlier_code(engine, events, admin, key):
    first = recovery.issue(engine, events, key, admin, now=NOW)
    second = recovery.issue(engine, events, key, admin, now=NOW)
    with pytest.raises(WrongFactor):
        recovery.use(engine, events, key, admin, first[0], now=NOW)
    recovery.use(engine, events, key, admin, second[0], now=NOW)
    assert recovery.remaining(engine, admin) == 9
    assert len([f for f in list_factors(engine, admin) if f.kind == "recovery"]) == 1


def test_a_code_is_its_accounts_only(engine, events, admin, key, params):
    from sceau.accounts import Role, add_user

    add_user(
        engine, events, "op.one", Role.OPERATOR, "operator: violet staple", by=admin, params=params
    )
    codes = recovery.issue(engine, events, key, admin, now=NOW)
    recovery.issue(engine, events, key, "op.one", now=NOW)
    with pytest.raises(WrongFactor):
        recovery.use(engine, events, key, "op.one", codes[0], now=NOW)


CODE = st.text(alphabet=recovery.ALPHABET, min_size=12, max_size=12)


@given(CODE, st.sampled_from(["-", " ", "", " - "]), st.booleans())
def test_codes_are_read_in_any_case_with_any_separators(raw, separator, upper):
    typed = separator.join(raw[i : i + 4] for i in range(0, 12, 4))
    typed = typed.upper() if upper else typed
    assert recovery.parse_code(typed) == raw


@given(CODE)
def test_letters_people_confuse_are_read_as_the_digits(raw):
    confusable = raw.replace("1", "l").replace("0", "O")
    assert recovery.parse_code(confusable) == raw


@given(st.text(max_size=30))
def test_garbage_is_refused_clearly_without_being_repeated(text):
    cleaned = "".join(ch for ch in text if not ch.isspace() and ch != "-").lower()
    cleaned = cleaned.translate(str.maketrans("ilo", "110"))
    if len(cleaned) == 12 and set(cleaned) <= set(recovery.ALPHABET):
        assert recovery.parse_code(text) == cleaned
        return
    with pytest.raises(WrongFactor) as refused:
        recovery.parse_code(text)
    assert refused.value.reason == "malformed code"
    assert str(refused.value) == MALFORMED  # the same words whatever was typed


def _malformed() -> str:
    with pytest.raises(WrongFactor) as refused:
        recovery.parse_code("x")
    return str(refused.value)


MALFORMED = _malformed()
