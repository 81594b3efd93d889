"""The password policy (ASVS 6.2): long, not blank, not one character, not the name, not common."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.accounts.conftest import SQLITE_ONLY, dump

from sceau.accounts import PasswordRefused, Role, add_user, check_password_rules
from sceau.accounts.passwords import MAX_LENGTH, common_passwords
from sceau.store.schema import audit_entries

WHITESPACE = " \t\n\r\x0b\x0c\u00a0\u2003\u3000"


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        (" " * 12, "blank"),  # the review's attack: twelve spaces were accepted
        ("\t \u00a0" * 5, "blank"),
        ("x" * 40, "one-character"),
        ("short-pw-9", "too-short"),
        ("ab" * 5 + "é", "too-short"),  # 11 characters, whatever their bytes
        ("y" * (MAX_LENGTH - 1) + "z!", "too-long"),
        ("i am MMartin today", "contains-name"),
        ("qwerty123456", "common"),
        ("1qaz2wsx3edc", "common"),
        ("Password1234!", "common"),  # a common password with digits and signs around it
        ("dragondragondragon", "common"),  # a common password repeated
    ],
)
def test_a_password_that_breaks_a_rule_is_refused_naming_the_rule(password, rule):
    with pytest.raises(PasswordRefused) as caught:
        check_password_rules("mmartin", password)
    assert caught.value.rule == rule
    assert password.strip() not in str(caught.value) or not password.strip()


def test_length_counts_characters_after_nfc():
    decomposed = "e\u0301" * 11  # 22 code points, 11 characters once composed
    with pytest.raises(PasswordRefused) as caught:
        check_password_rules("mmartin", decomposed)
    assert caught.value.rule == "too-short"
    check_password_rules("mmartin", "é" * 11 + "à")  # 12 characters: fine


def test_the_common_list_is_zxcvbns_thirty_thousand():
    words = common_passwords()
    assert len(words) >= 29_000  # lower-cased, a few fold together
    assert {"password", "123456", "qwerty", "dragon"} <= words


def test_128_characters_are_allowed():
    check_password_rules("mmartin", "a fine long passphrase; " * 5 + "12345678")


@given(st.text(alphabet=WHITESPACE, min_size=0, max_size=200))
def test_whitespace_only_is_never_accepted(password):
    with pytest.raises(PasswordRefused):
        check_password_rules("mmartin", password)


@given(
    st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàçôü", min_size=4, max_size=9),
        min_size=4,
        max_size=8,
        unique=True,
    )
)
def test_long_random_passphrases_are_accepted(words):
    passphrase = " ".join(words)
    if "mmartin" not in passphrase:
        check_password_rules("mmartin", passphrase)


@SQLITE_ONLY
def test_add_user_applies_the_policy_and_records_nothing(engine, events, params, admin):
    with pytest.raises(PasswordRefused, match="only blanks"):
        add_user(engine, events, "mmartin", Role.OPERATOR, " " * 12, by=admin, params=params)
    with pytest.raises(PasswordRefused, match="most common"):
        add_user(engine, events, "mmartin", Role.OPERATOR, "qwerty123456", by=admin, params=params)
    assert "qwerty123456" not in dump(engine, audit_entries)
