"""The marks of logins and passwords: shares, so a column repeated reads the same."""

from __future__ import annotations

import random

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.detect.accounts import account_profile, verdict
from sceau.detect.base import Category

from . import handmade as hm

TOKENS = st.one_of(
    st.sampled_from(hm.PASSWORDS_PEOPLE_CHOOSE),
    st.builds(lambda s, n: f"{s}{n}", st.sampled_from(hm.SURNAMES), st.integers(0, 999_999)),
    st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20),
)


@settings(deadline=None, max_examples=60)
@given(st.lists(TOKENS, min_size=1, max_size=40), st.integers(2, 5))
def test_a_column_repeated_has_the_same_marks(values, times):
    once = account_profile(pl.Series(values, dtype=pl.String))
    repeated = account_profile(pl.Series(values * times, dtype=pl.String))
    assert once == repeated
    for share in (once.named, once.email, once.login_form, once.password, once.top_share):
        assert 0.0 <= share <= 1.0
    assert once.named + once.email <= 1.0 + 1e-9
    assert verdict(once, None) == verdict(repeated, None)


def test_a_login_header_yields_to_values_that_are_passwords():
    passwords = hm.strong_passwords(200, random.Random(3))
    found = verdict(account_profile(pl.Series(passwords)), Category.LOGIN)
    assert found is not None
    assert found.category is Category.PASSWORD
    logins = hm.logins(200, random.Random(3))
    assert verdict(account_profile(pl.Series(logins)), Category.LOGIN) is None  # believed
