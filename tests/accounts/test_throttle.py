"""Failed logins are throttled per account and per address, with a fake clock (never a sleep)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from tests.accounts.conftest import ADMIN_PASSWORD, SQLITE_ONLY, recorded

from sceau.accounts import Throttled, WrongCredentials, authenticate, login
from sceau.accounts.throttle import WINDOW, delay
from sceau.store.schema import login_throttle

START = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
WRONG = "not the admin's passphrase"


def attempt(settings, engine, events, params, name, password, at, address=None):
    return login(settings, engine, events, name, password, params=params, now=at, address=address)


def test_ten_wrong_passwords_then_the_right_one_is_refused(settings, engine, events, params, admin):
    """The review's attack: there was no throttling at all."""
    for second in range(10):
        with pytest.raises(WrongCredentials):
            attempt(
                settings, engine, events, params, admin, WRONG, START + timedelta(seconds=second)
            )
    with pytest.raises(Throttled) as caught:
        attempt(
            settings, engine, events, params, admin, ADMIN_PASSWORD, START + timedelta(seconds=10)
        )
    message = str(caught.value)
    assert message.startswith("login refused: unknown account, disabled account or wrong password")
    assert "try again after 2030-05-01 09:01:04 UTC" in message  # 1 minute after the 5th failure
    assert ADMIN_PASSWORD not in message
    assert WRONG not in message
    names = [event["name"] for event in recorded(engine)]
    assert names.count("auth.login_failed") == 5  # refused without trying the password after
    assert names.count("auth.login_throttled") == 7  # the lock as it starts, then 6 refusals
    assert recorded(engine)[-1] == {
        "name": "auth.login_throttled",
        "actor": admin,
        "user": admin,
        "scope": "account",
        "until": "2030-05-01T09:01:04+00:00",
        "address": "local",
    }
    user = attempt(
        settings, engine, events, params, admin, ADMIN_PASSWORD, START + timedelta(minutes=2)
    )
    assert user.name == admin


def test_the_delay_doubles_up_to_an_hour():
    assert [delay(n, 5) for n in (1, 4)] == [None, None]
    minutes = [delay(n, 5).total_seconds() / 60 for n in range(5, 13)]  # type: ignore[union-attr]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60]


def test_each_failure_after_a_lock_lengthens_the_next(settings, engine, events, params, admin):
    moment = START
    for _ in range(5):
        with pytest.raises(WrongCredentials):
            attempt(settings, engine, events, params, admin, WRONG, moment)
    moment += timedelta(minutes=1)  # the 1-minute lock is over: one more failure, 2 minutes
    with pytest.raises(WrongCredentials):
        attempt(settings, engine, events, params, admin, WRONG, moment)
    with pytest.raises(Throttled):
        attempt(
            settings, engine, events, params, admin, ADMIN_PASSWORD, moment + timedelta(seconds=119)
        )
    attempt(settings, engine, events, params, admin, ADMIN_PASSWORD, moment + timedelta(minutes=2))


def test_a_success_clears_the_account_count(settings, engine, events, params, admin):
    for _ in range(4):
        with pytest.raises(WrongCredentials):
            attempt(settings, engine, events, params, admin, WRONG, START)
    attempt(settings, engine, events, params, admin, ADMIN_PASSWORD, START)
    for _ in range(4):  # four more: still below the limit, since the success cleared the count
        with pytest.raises(WrongCredentials) as caught:
            attempt(settings, engine, events, params, admin, WRONG, START)
        assert not isinstance(caught.value, Throttled)


def test_case_variants_and_unknown_names_count_alike(settings, engine, events, params, admin):
    for name in ("ROOT.ADMIN", "Root.Admin", "root.ADMIN", "rOOt.admin", "ROOT.admin"):
        with pytest.raises(WrongCredentials):
            attempt(settings, engine, events, params, name, WRONG, START)
    with pytest.raises(Throttled):  # the look-alikes' failures lock the account itself
        attempt(settings, engine, events, params, admin, ADMIN_PASSWORD, START)
    for _ in range(5):
        with pytest.raises(WrongCredentials):
            attempt(settings, engine, events, params, "ghost", WRONG, START)
    with pytest.raises(Throttled):  # an unknown name is throttled exactly as a known one
        attempt(settings, engine, events, params, "ghost", WRONG, START)
    assert recorded(engine)[-1]["user"] == "(unknown)"


@SQLITE_ONLY
def test_an_address_is_throttled_across_names(settings, engine, events, params, admin):
    for number in range(20):
        with pytest.raises(WrongCredentials):
            authenticate(
                engine,
                events,
                f"guess{number}",
                WRONG,
                address="203.0.113.9",
                now=START,
                params=params,
            )
    with pytest.raises(Throttled):
        authenticate(
            engine, events, admin, ADMIN_PASSWORD, address="203.0.113.9", now=START, params=params
        )
    assert recorded(engine)[-1]["scope"] == "address"
    assert (
        authenticate(
            engine, events, admin, ADMIN_PASSWORD, address="198.51.100.7", now=START, params=params
        ).name
        == admin
    )
    assert (
        authenticate(engine, events, admin, ADMIN_PASSWORD, now=START, params=params).name == admin
    )


@SQLITE_ONLY
def test_old_rows_are_pruned(settings, engine, events, params, admin):
    for number in range(30):
        with pytest.raises(WrongCredentials):
            authenticate(engine, events, f"guess{number}", WRONG, now=START, params=params)
    later = START + WINDOW + timedelta(minutes=1)
    with pytest.raises(WrongCredentials):
        authenticate(engine, events, "one.more", WRONG, now=later, params=params)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(login_throttle)).scalar() == 1
