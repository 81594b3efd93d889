"""People see and end their own sessions; an admin ends another's; a password change ends the
others. Each ending is recorded, never with a token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.accounts.conftest import ADMIN_PASSWORD, SQLITE_ONLY, dump, recorded

from sceau.accounts import (
    AccessDenied,
    AccountError,
    NotLoggedIn,
    PasswordRefused,
    Role,
    Throttled,
    WrongCredentials,
    add_user,
    change_password,
    check_password,
    current_session,
    end_sessions,
    list_sessions,
    login,
    logout,
    require,
    reset_password,
)
from sceau.config import load_settings
from sceau.store.schema import audit_entries

START = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
OPERATOR_PASSWORD = "operator: violet staple horse"
NEW_PASSWORD = "operator: a brand new passphrase"


@pytest.fixture
def operator(engine, events, params, admin) -> str:
    add_user(engine, events, "op.one", Role.OPERATOR, OPERATOR_PASSWORD, by=admin, params=params)
    return "op.one"


def two_logins(tmp_path, engine, events, params, name, password):
    """Two sessions of ``name``, from two homes (two terminals, two machines)."""
    homes = [load_settings({"SCEAU_HOME": str(tmp_path / f"home{n}")}) for n in (1, 2)]
    for number, settings in enumerate(homes):
        login(
            settings,
            engine,
            events,
            name,
            password,
            params=params,
            now=START + timedelta(minutes=number),
        )
    return homes


def test_a_person_lists_their_sessions(tmp_path, engine, events, params, operator, admin):
    first, second = two_logins(tmp_path, engine, events, params, operator, OPERATOR_PASSWORD)
    login(first, engine, events, admin, ADMIN_PASSWORD, params=params, now=START)  # replaces first
    mine = list_sessions(engine, operator, now=START + timedelta(minutes=2))
    assert [session.id for session in mine] == [
        current_session(second, engine, now=START + timedelta(minutes=2)).id
    ]
    assert (mine[0].address, mine[0].created_at) == ("local", START + timedelta(minutes=1))
    assert list_sessions(engine, operator, now=START + timedelta(hours=1)) == []  # idle ended


def test_end_one_session_by_its_id_and_the_others(tmp_path, engine, events, params, operator):
    first, second = two_logins(tmp_path, engine, events, params, operator, OPERATOR_PASSWORD)
    now = START + timedelta(minutes=2)
    keep = current_session(first, engine, now=now).id
    ended = end_sessions(
        engine, events, operator, by=operator, keep=keep, reason="ended by its owner", now=now
    )
    assert len(ended) == 1
    assert ended != [keep]
    assert current_session(first, engine, now=now).id == keep
    with pytest.raises(NotLoggedIn):
        current_session(second, engine, now=now)
    assert recorded(engine)[-1] == {
        "name": "auth.session_ended",
        "actor": operator,
        "user": operator,
        "session": ended[0],
        "reason": "ended by its owner",
    }
    token = first.session_file.read_text().strip()
    assert token not in dump(engine, audit_entries)
    end_sessions(
        engine, events, operator, by=operator, ids=[keep], reason="ended by its owner", now=now
    )
    with pytest.raises(NotLoggedIn):
        current_session(first, engine, now=now)


@SQLITE_ONLY
def test_an_unknown_id_or_another_persons_session_is_refused(
    tmp_path, engine, events, params, operator, admin
):
    (first, _) = two_logins(tmp_path, engine, events, params, operator, OPERATOR_PASSWORD)
    theirs = current_session(first, engine, now=START + timedelta(minutes=2)).id
    with pytest.raises(AccountError, match="no such session"):
        end_sessions(engine, events, admin, by=admin, ids=[theirs], reason="x")
    add_user(engine, events, "op.two", Role.OPERATOR, NEW_PASSWORD, by=admin, params=params)
    with pytest.raises(AccountError, match="only the account itself or an admin"):
        end_sessions(engine, events, operator, by="op.two", reason="x")
    assert len(list_sessions(engine, operator, now=START + timedelta(minutes=2))) == 2


def test_an_admin_ends_another_accounts_sessions(tmp_path, engine, events, params, operator, admin):
    two_logins(tmp_path, engine, events, params, operator, OPERATOR_PASSWORD)
    ended = end_sessions(engine, events, operator, by=admin, reason="ended by an admin", now=START)
    assert len(ended) == 2
    assert list_sessions(engine, operator, now=START + timedelta(minutes=2)) == []
    assert {event["actor"] for event in recorded(engine)[-2:]} == {admin}


def test_logout_is_recorded(settings, engine, events, params, admin):
    login(settings, engine, events, admin, ADMIN_PASSWORD, params=params, now=START)
    session = current_session(settings, engine, now=START)
    assert logout(settings, engine, events, now=START)
    assert recorded(engine)[-1] == {
        "name": "auth.session_ended",
        "actor": admin,
        "user": admin,
        "session": session.id,
        "reason": "logout",
    }


def test_a_password_change_ends_the_other_sessions(tmp_path, engine, events, params, operator):
    first, second = two_logins(tmp_path, engine, events, params, operator, OPERATOR_PASSWORD)
    now = START + timedelta(minutes=2)
    keep = current_session(first, engine, now=now).id
    ended = change_password(
        engine, events, operator, OPERATOR_PASSWORD, NEW_PASSWORD, keep=keep, params=params, now=now
    )
    assert ended == 1
    assert current_session(first, engine, now=now).id == keep
    with pytest.raises(NotLoggedIn):
        current_session(second, engine, now=now)
    assert check_password(engine, operator, NEW_PASSWORD, params=params).name == operator
    with pytest.raises(WrongCredentials):
        check_password(engine, operator, OPERATOR_PASSWORD, params=params)
    assert recorded(engine)[-1] == {
        "name": "auth.password_changed",
        "actor": operator,
        "user": operator,
        "sessions_ended": 1,
    }
    trail = dump(engine, audit_entries)
    assert NEW_PASSWORD not in trail
    assert OPERATOR_PASSWORD not in trail


@SQLITE_ONLY
def test_a_password_change_checks_the_current_one_and_the_policy(engine, events, params, operator):
    with pytest.raises(WrongCredentials):
        change_password(
            engine,
            events,
            operator,
            "not my password at all",
            NEW_PASSWORD,
            params=params,
            now=START,
        )
    with pytest.raises(PasswordRefused, match="only blanks"):
        change_password(
            engine, events, operator, OPERATOR_PASSWORD, " " * 16, params=params, now=START
        )
    with pytest.raises(PasswordRefused, match="account name"):
        change_password(
            engine,
            events,
            operator,
            OPERATOR_PASSWORD,
            "I am op.one, hello",
            params=params,
            now=START,
        )
    with pytest.raises(AccountError, match="is the current one"):
        change_password(
            engine, events, operator, OPERATOR_PASSWORD, OPERATOR_PASSWORD, params=params, now=START
        )
    for _ in range(5):  # the right current password above cleared the count: five more
        with pytest.raises(WrongCredentials):
            change_password(
                engine,
                events,
                operator,
                "still not my password",
                NEW_PASSWORD,
                params=params,
                now=START,
            )
    with pytest.raises(Throttled):  # guessing through passwd is throttled like a login
        change_password(
            engine, events, operator, OPERATOR_PASSWORD, NEW_PASSWORD, params=params, now=START
        )
    assert check_password(engine, operator, OPERATOR_PASSWORD, params=params).name == operator


def test_an_admin_reset_forces_a_change_at_next_login(
    tmp_path, settings, engine, events, params, operator, admin
):
    two_logins(tmp_path, engine, events, params, operator, OPERATOR_PASSWORD)
    ended = reset_password(
        engine, events, operator, "given by the admin, once", by=admin, params=params, now=START
    )
    assert ended == 2
    assert recorded(engine)[-1] == {
        "name": "auth.password_reset",
        "actor": admin,
        "user": operator,
        "sessions_ended": 2,
    }
    login(settings, engine, events, operator, "given by the admin, once", params=params, now=START)
    with pytest.raises(AccessDenied, match="choose your own before anything else"):
        require(settings, engine, events, "migrate", now=START)
    assert recorded(engine)[-1]["reason"] == "password change required"
    keep = current_session(settings, engine, now=START).id
    change_password(
        engine,
        events,
        operator,
        "given by the admin, once",
        NEW_PASSWORD,
        keep=keep,
        params=params,
        now=START,
    )
    assert require(settings, engine, events, "migrate", now=START).name == operator


@SQLITE_ONLY
def test_only_an_admin_resets_and_not_their_own(engine, events, params, operator, admin):
    with pytest.raises(AccountError, match="only an active admin"):
        reset_password(engine, events, admin, NEW_PASSWORD, by=operator, params=params)
    with pytest.raises(AccountError, match="sceau passwd"):
        reset_password(engine, events, admin, NEW_PASSWORD, by=admin, params=params)
    with pytest.raises(PasswordRefused):
        reset_password(engine, events, operator, "qwerty123456", by=admin, params=params)
    assert check_password(engine, operator, OPERATOR_PASSWORD, params=params).name == operator
