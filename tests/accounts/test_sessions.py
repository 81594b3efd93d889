"""CLI sessions: a private token file, its hash in the store, expiry, refusals that are recorded."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.accounts.conftest import ADMIN_PASSWORD, SQLITE_ONLY, dump, recorded

from sceau.accounts import (
    AccessDenied,
    NotLoggedIn,
    Role,
    User,
    WrongCredentials,
    add_user,
    current_user,
    disable_user,
    login,
    logout,
    require,
)
from sceau.store.schema import audit_entries as events_table
from sceau.store.schema import sessions
from sceau.store.schema import users as users_table

OPERATOR_PASSWORD = "operator: violet staple horse"


@pytest.fixture
def operator(engine, events, params, admin) -> str:
    add_user(engine, events, "op.one", Role.OPERATOR, OPERATOR_PASSWORD, by=admin, params=params)
    return "op.one"


def log_in(settings, engine, events, params, name, password, **kwargs) -> User:
    return login(settings, engine, events, name, password, params=params, **kwargs)


def test_login_writes_a_private_token_whose_hash_only_is_stored(
    settings, engine, events, params, admin
):
    user = log_in(settings, engine, events, params, admin, ADMIN_PASSWORD)
    assert user == User(admin, Role.ADMIN)
    path = settings.session_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    token = path.read_text().strip()
    assert len(token) == 43  # 32 random bytes
    with engine.connect() as connection:
        row = connection.execute(select(sessions)).one()
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert (row.user, row.mfa) == (admin, 0)
    for table in (sessions, events_table, users_table):
        assert token not in dump(engine, table)
    assert [e["name"] for e in recorded(engine)][-1] == "auth.login"
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_an_expired_session_is_refused_and_the_refusal_recorded(
    settings, engine, events, params, admin
):
    start = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
    log_in(settings, engine, events, params, admin, ADMIN_PASSWORD, now=start)
    with pytest.raises(NotLoggedIn):
        require(settings, engine, events, "users.manage", now=start + timedelta(hours=2))
    assert recorded(engine)[-1] == {
        "name": "auth.denied",
        "actor": admin,
        "command": "users.manage",
        "reason": "session idle",
    }


def test_without_a_session_a_command_is_refused(settings, engine, events):
    with pytest.raises(NotLoggedIn, match="nobody is logged in") as caught:
        require(settings, engine, events, "scan")
    assert "sceau login NAME" in caught.value.hint
    assert recorded(engine)[-1]["actor"] == "(anonymous)"


def test_the_wrong_role_is_refused_naming_the_role_that_may(
    settings, engine, events, params, operator
):
    log_in(settings, engine, events, params, operator, OPERATOR_PASSWORD)
    assert require(settings, engine, events, "migrate") == User(operator, Role.OPERATOR)
    with pytest.raises(AccessDenied) as caught:
        require(settings, engine, events, "mandate.sign")
    assert caught.value.message == "`mandate.sign` needs the controller role; op.one is operator"
    assert recorded(engine)[-1] == {
        "name": "auth.denied",
        "actor": operator,
        "command": "mandate.sign",
        "reason": "role operator not allowed",
    }
    with pytest.raises(AccessDenied, match=r"no role may run `drop\.everything`"):
        require(settings, engine, events, "drop.everything")


def test_a_failed_login_is_recorded_without_the_password(settings, engine, events, params, admin):
    wrong = "Tr0ub4dor&3-but-wrong"
    for name in (admin, "ghost.user"):
        with pytest.raises(WrongCredentials) as caught:
            log_in(settings, engine, events, params, name, wrong)
        assert wrong not in f"{caught.value} {caught.value.hint} {caught.value.where}"
    failures = [e for e in recorded(engine) if e["name"] == "auth.login_failed"]
    assert failures == [
        {"name": "auth.login_failed", "actor": admin, "user": admin, "reason": "wrong password"},
        {
            "name": "auth.login_failed",
            "actor": "(unknown)",
            "user": "(unknown)",
            "reason": "unknown account",
        },
    ]
    assert wrong not in dump(engine, events_table)
    assert not settings.session_file.exists()
    with engine.connect() as connection:
        assert connection.execute(select(sessions)).all() == []


def test_a_disabled_account_loses_its_session(settings, engine, events, params, admin, operator):
    log_in(settings, engine, events, params, operator, OPERATOR_PASSWORD)
    disable_user(engine, events, operator, by=admin)
    with pytest.raises(NotLoggedIn):
        current_user(settings, engine)
    with pytest.raises(WrongCredentials) as caught:
        log_in(settings, engine, events, params, operator, OPERATOR_PASSWORD)
    assert recorded(engine)[-1]["reason"] == "disabled account"
    assert caught.value.message == (
        "login refused: unknown account, disabled account or wrong password"
    )


def test_a_session_of_an_account_disabled_behind_its_back_is_refused(
    settings, engine, events, params, admin, operator
):
    log_in(settings, engine, events, params, operator, OPERATOR_PASSWORD)
    with engine.begin() as connection:  # disabled without ending the session
        connection.execute(
            users_table.update()
            .where(users_table.c.name == operator)
            .values(disabled_at=datetime.now(UTC))
        )
    with pytest.raises(NotLoggedIn, match="disabled or gone") as caught:
        require(settings, engine, events, "migrate")
    assert caught.value.reason == "account disabled"


def test_logout_ends_the_session_in_the_store_too(settings, engine, events, params, admin):
    log_in(settings, engine, events, params, admin, ADMIN_PASSWORD)
    token = settings.session_file.read_text()
    assert logout(settings, engine) is True
    assert not settings.session_file.exists()
    settings.session_file.write_text(token)  # a copy kept aside opens nothing
    settings.session_file.chmod(0o600)
    with pytest.raises(NotLoggedIn, match="session is unknown"):
        current_user(settings, engine)
    assert logout(settings, engine) is True
    assert logout(settings, engine) is False


def test_logging_in_again_replaces_the_previous_session(
    settings, engine, events, params, admin, operator
):
    log_in(settings, engine, events, params, admin, ADMIN_PASSWORD)
    log_in(settings, engine, events, params, operator, OPERATOR_PASSWORD)
    assert current_user(settings, engine).name == operator
    with engine.connect() as connection:
        assert [row.user for row in connection.execute(select(sessions))] == [operator]


@SQLITE_ONLY
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_session_file_others_could_read_is_refused_and_ended(
    settings, engine, events, params, admin, mode
):
    log_in(settings, engine, events, params, admin, ADMIN_PASSWORD)
    token = settings.session_file.read_text()
    settings.session_file.chmod(mode)
    with pytest.raises(NotLoggedIn, match=f"could be read by others \\(mode {mode:04o}") as err:
        require(settings, engine, events, "users.manage")
    assert "session was ended" in err.value.message
    assert recorded(engine)[-1]["reason"] == "unsafe session file"
    assert not settings.session_file.exists()
    settings.session_file.write_text(token)  # the copy someone may have taken is useless
    settings.session_file.chmod(0o600)
    with pytest.raises(NotLoggedIn, match="session is unknown"):
        current_user(settings, engine)


@SQLITE_ONLY
@pytest.mark.parametrize(
    "content",
    ["", "not a token\n", "A" * 42, "A" * 44, "é" * 43],
)
def test_a_damaged_session_file_is_refused(settings, engine, events, params, admin, content):
    log_in(settings, engine, events, params, admin, ADMIN_PASSWORD)
    settings.session_file.write_text(content)
    with pytest.raises(NotLoggedIn, match="damaged") as caught:
        current_user(settings, engine)
    assert caught.value.where == str(settings.session_file)


def test_a_forged_token_is_refused(settings, engine, events, params, admin):
    log_in(settings, engine, events, params, admin, ADMIN_PASSWORD)
    token = settings.session_file.read_text().strip()
    forged = ("B" if token[0] == "A" else "A") + token[1:]
    settings.session_file.write_text(forged)
    with pytest.raises(NotLoggedIn, match="session is unknown"):
        require(settings, engine, events, "users.manage")
    assert recorded(engine)[-1]["reason"] == "unknown session"


def test_a_symlinked_session_file_is_refused(settings, engine, events, params, admin, tmp_path):
    log_in(settings, engine, events, params, admin, ADMIN_PASSWORD)
    elsewhere = tmp_path / "elsewhere"
    os.replace(settings.session_file, elsewhere)
    settings.session_file.symlink_to(elsewhere)
    with pytest.raises(NotLoggedIn, match="cannot be read"):
        current_user(settings, engine)


def test_a_home_folder_others_can_enter_is_closed_at_login(settings, engine, events, params, admin):
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.home.chmod(0o755)
    log_in(settings, engine, events, params, admin, ADMIN_PASSWORD)
    assert stat.S_IMODE(settings.home.stat().st_mode) == 0o700
