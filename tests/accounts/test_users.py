"""Accounts: the bootstrap admin, name and password rules, Argon2id hashes, disabling."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from tests.accounts.conftest import ADMIN_PASSWORD, SQLITE_ONLY, dump, recorded

from sceau.accounts import (
    AccountError,
    PasswordParams,
    Role,
    User,
    WrongCredentials,
    add_user,
    check_password,
    describe_users,
    disable_user,
    has_users,
    list_users,
)
from sceau.store.schema import users

PASSWORD = "operator: violet staple horse"


def test_the_first_account_must_be_an_admin(engine, events, params):
    assert not has_users(engine)
    with pytest.raises(AccountError, match="first account must be an admin") as caught:
        add_user(engine, events, "op.one", Role.OPERATOR, PASSWORD, by="op.one", params=params)
    assert "--role admin" in caught.value.hint
    assert not has_users(engine)
    assert recorded(engine) == []


def test_bootstrap_admin_then_an_admin_adds_the_others(engine, events, params, admin):
    user = add_user(engine, events, "op.one", Role.OPERATOR, PASSWORD, by=admin, params=params)
    assert user == User("op.one", Role.OPERATOR)
    assert list_users(engine) == [User("op.one", Role.OPERATOR), User(admin, Role.ADMIN)]
    assert [(e["name"], e["actor"], e["user"], e["role"]) for e in recorded(engine)] == [
        ("user.added", admin, admin, "admin"),
        ("user.added", admin, "op.one", "operator"),
    ]
    record = {r.name: r for r in describe_users(engine)}["op.one"]
    assert (record.created_by, record.disabled_at) == (admin, None)
    assert record.created_at.tzinfo is not None


def test_only_an_active_admin_may_add_accounts(engine, events, params, admin):
    add_user(engine, events, "op.one", Role.OPERATOR, PASSWORD, by=admin, params=params)
    for by in ("op.one", "nobody"):
        with pytest.raises(AccountError, match="only an active admin"):
            add_user(engine, events, "x.two", Role.ADMIN, PASSWORD, by=by, params=params)
    assert "x.two" not in {u.name for u in list_users(engine)}


def test_a_name_is_taken_once(engine, events, params, admin):
    with pytest.raises(AccountError, match="already exists") as caught:
        add_user(engine, events, admin, Role.AUDITOR, PASSWORD, by=admin, params=params)
    assert caught.value.where == admin
    assert list_users(engine) == [User(admin, Role.ADMIN)]


@SQLITE_ONLY
@pytest.mark.parametrize(
    "name", ["a", "x" * 65, "jean dupont", "jé.dupont", "j/dupont", "", "a;drop", "tab\there"]
)
def test_names_are_letters_digits_dot_underscore_dash(engine, events, params, admin, name):
    with pytest.raises(AccountError, match="2 to 64 characters") as caught:
        add_user(engine, events, name, Role.AUDITOR, PASSWORD, by=admin, params=params)
    if len(name) > 3:
        assert name not in str(caught.value)  # it may be a password typed in the wrong field


@SQLITE_ONLY
@pytest.mark.parametrize("name", ["jd", "j.dupont", "J_Dupont-2", "x" * 64])
def test_good_names_are_accepted(engine, events, params, admin, name):
    add_user(engine, events, name, Role.AUDITOR, PASSWORD, by=admin, params=params)
    assert User(name, Role.AUDITOR) in list_users(engine)


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pw 11", "shorter than 12"),
        ("", "shorter than 12"),
        ("x" * 1025, "longer than 1024"),
        ("my name is Op.One, hello", "contains the account name"),
    ],
)
def test_password_rules(engine, events, params, admin, password, message):
    with pytest.raises(AccountError, match=message) as caught:
        add_user(engine, events, "op.one", Role.OPERATOR, password, by=admin, params=params)
    if password:
        assert password not in str(caught.value)
    assert "op.one" not in {u.name for u in list_users(engine)}


def test_only_an_argon2id_hash_is_stored(engine, events, params, admin):
    with engine.connect() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert ADMIN_PASSWORD not in dump(engine, users)


def test_check_password(engine, events, params, admin):
    assert check_password(engine, admin, ADMIN_PASSWORD, params=params) == User(admin, Role.ADMIN)
    for name, password, reason in [
        (admin, ADMIN_PASSWORD + "!", "wrong password"),
        (admin, "", "wrong password"),
        ("ghost", ADMIN_PASSWORD, "unknown account"),
    ]:
        with pytest.raises(WrongCredentials) as caught:
            check_password(engine, name, password, params=params)
        assert caught.value.reason == reason
        assert str(caught.value).startswith("login refused: unknown account, disabled account or")


def test_the_hash_is_redone_when_the_parameters_change(engine, events, params, admin):
    stronger = PasswordParams(time_cost=2, memory_cost=16, parallelism=1)
    check_password(engine, admin, ADMIN_PASSWORD, params=stronger)
    with engine.connect() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalar_one()
    assert "$m=16,t=2,p=1$" in stored
    assert check_password(engine, admin, ADMIN_PASSWORD, params=stronger).name == admin


def test_a_damaged_hash_refuses_the_login(engine, events, params, admin):
    with engine.begin() as connection:
        connection.execute(update(users).values(password_hash="not a hash"))
    with pytest.raises(WrongCredentials):
        check_password(engine, admin, ADMIN_PASSWORD, params=params)


def test_the_default_parameters_are_rfc_9106_low_memory():
    assert PasswordParams() == PasswordParams(time_cost=3, memory_cost=65_536, parallelism=4)


def test_disable(engine, events, params, admin):
    add_user(engine, events, "op.one", Role.OPERATOR, PASSWORD, by=admin, params=params)
    disable_user(engine, events, "op.one", by=admin)
    assert list_users(engine) == [User(admin, Role.ADMIN)]
    record = {r.name: r for r in describe_users(engine)}["op.one"]
    assert record.disabled_at is not None
    assert recorded(engine)[-1] == {"name": "user.disabled", "actor": admin, "user": "op.one"}
    with pytest.raises(WrongCredentials) as caught:
        check_password(engine, "op.one", PASSWORD, params=params)
    assert caught.value.reason == "disabled account"
    with pytest.raises(AccountError, match="already disabled"):
        disable_user(engine, events, "op.one", by=admin)
    with pytest.raises(AccountError, match="only an active admin"):
        disable_user(engine, events, admin, by="op.one")


def test_disable_refuses_unknown_accounts_and_the_last_admin(engine, events, params, admin):
    with pytest.raises(AccountError, match="no such account"):
        disable_user(engine, events, "ghost", by=admin)
    with pytest.raises(AccountError, match="last active admin"):
        disable_user(engine, events, admin, by=admin)
    add_user(engine, events, "admin.two", Role.ADMIN, PASSWORD, by=admin, params=params)
    disable_user(engine, events, admin, by="admin.two")
    assert list_users(engine) == [User("admin.two", Role.ADMIN)]


def test_no_person_may_take_the_name_sceau_s_own_actions_use(engine, events, params) -> None:
    with pytest.raises(AccountError, match="sceau's own actions"):
        add_user(
            engine, events, "Sceau", Role.ADMIN, "a long enough passphrase", by="x", params=params
        )
