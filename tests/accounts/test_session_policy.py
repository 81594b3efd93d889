"""How long a session lasts is the admin's policy, idle and absolute, not the user's setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.accounts.conftest import ADMIN_PASSWORD, SQLITE_ONLY, recorded

from sceau.accounts import (
    AccountError,
    NotLoggedIn,
    Role,
    SessionPolicy,
    add_user,
    current_session,
    get_policy,
    login,
    set_policy,
)
from sceau.config import load_settings

START = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
OPERATOR_PASSWORD = "operator: violet staple horse"


def test_the_default_policy_is_thirty_idle_minutes_and_twelve_hours(engine):
    assert get_policy(engine) == SessionPolicy(idle_minutes=30, absolute_minutes=720)


def test_each_use_slides_the_idle_limit_up_to_the_absolute_one(
    settings, engine, events, params, admin
):
    login(settings, engine, events, admin, ADMIN_PASSWORD, params=params, now=START)
    moment = START
    for _ in range(23):  # a command every 29 minutes keeps the session for 11 h 7 min
        moment += timedelta(minutes=29)
        session = current_session(settings, engine, now=moment)
        assert session.expires_at == moment + timedelta(minutes=30)
    moment += timedelta(minutes=29)  # 11:36 after login: the absolute end is nearer
    assert current_session(settings, engine, now=moment).expires_at == START + timedelta(hours=12)
    with pytest.raises(NotLoggedIn, match="ended at 2030-05-01 21:00 UTC") as caught:
        current_session(settings, engine, now=START + timedelta(hours=12))
    assert caught.value.reason == "session expired"


def test_a_session_unused_past_the_idle_limit_ends(settings, engine, events, params, admin):
    login(settings, engine, events, admin, ADMIN_PASSWORD, params=params, now=START)
    current_session(settings, engine, now=START + timedelta(minutes=10))
    with pytest.raises(NotLoggedIn, match="ended at 2030-05-01 09:40 UTC") as caught:
        current_session(settings, engine, now=START + timedelta(minutes=40))
    assert caught.value.reason == "session idle"


def test_the_login_environment_cannot_lengthen_a_session(tmp_path, engine, events, params, admin):
    """The review's attack: SCEAU_SESSION_MINUTES=500000000 gave a session ending in 2977."""
    settings = load_settings(
        {"SCEAU_HOME": str(tmp_path / "home"), "SCEAU_SESSION_MINUTES": "500000000"}
    )
    login(settings, engine, events, admin, ADMIN_PASSWORD, params=params, now=START)
    session = current_session(settings, engine, now=START)
    assert session.expires_at <= START + timedelta(hours=12)
    with pytest.raises(NotLoggedIn):
        current_session(settings, engine, now=START + timedelta(hours=12))


def test_the_own_setting_can_shorten_a_session(tmp_path, engine, events, params, admin):
    settings = load_settings({"SCEAU_HOME": str(tmp_path / "home"), "SCEAU_SESSION_MINUTES": "20"})
    login(settings, engine, events, admin, ADMIN_PASSWORD, params=params, now=START)
    assert current_session(settings, engine, now=START).expires_at == START + timedelta(minutes=20)


def test_an_admin_sets_the_policy_and_it_applies_to_open_sessions(
    settings, engine, events, params, admin
):
    login(settings, engine, events, admin, ADMIN_PASSWORD, params=params, now=START)
    set_policy(engine, events, idle_minutes=5, absolute_minutes=60, by=admin, now=START)
    assert (get_policy(engine).idle_minutes, get_policy(engine).changed_by) == (5, admin)
    assert current_session(settings, engine, now=START).expires_at == START + timedelta(minutes=5)
    assert recorded(engine)[-1] == {
        "name": "auth.session_policy_changed",
        "actor": admin,
        "idle_minutes": 5,
        "absolute_minutes": 60,
    }
    set_policy(engine, events, idle_minutes=60, absolute_minutes=120, by=admin, now=START)
    assert get_policy(engine).absolute_minutes == 120  # the second change updates the one row


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("idle", "absolute", "option"),
    [(30, 1441, "--absolute-minutes"), (0, 60, "--idle-minutes"), (61, 60, "--idle-minutes")],
)
def test_the_policy_has_hard_caps(engine, events, admin, idle, absolute, option):
    with pytest.raises(AccountError) as caught:
        set_policy(engine, events, idle_minutes=idle, absolute_minutes=absolute, by=admin)
    assert caught.value.where == option
    assert get_policy(engine) == SessionPolicy()


@SQLITE_ONLY
def test_only_an_admin_sets_the_policy(engine, events, params, admin):
    add_user(engine, events, "op.one", Role.OPERATOR, OPERATOR_PASSWORD, by=admin, params=params)
    with pytest.raises(AccountError, match="only an active admin"):
        set_policy(engine, events, idle_minutes=600, absolute_minutes=1440, by="op.one")
    assert get_policy(engine) == SessionPolicy()
