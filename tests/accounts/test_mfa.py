"""The second factor as policy: asked at login once enrolled, given again before a change,
and every change refused without a fresh proof."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select, text
from tests.accounts.authenticator import SoftKey
from tests.accounts.conftest import ADMIN_PASSWORD, SQLITE_ONLY, recorded

from sceau.accounts import WrongCredentials, login, recovery, totp, webauthn
from sceau.accounts.factors import MfaError, WrongFactor, list_factors
from sceau.accounts.mfa import (
    Given,
    NotFresh,
    begin_totp,
    confirm_totp,
    issue_recovery_codes,
    mfa_key,
    reauthenticate,
    remove_factor,
    require_fresh,
    webauthn_registration,
)
from sceau.config import ConfigError, load_settings
from sceau.store import open_store
from sceau.store.schema import sessions

T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
STEP = timedelta(seconds=30)


@pytest.fixture
def with_totp(settings, engine, events, admin, params) -> bytes:
    """The admin's TOTP secret, enrolled at T0 (so T0's step is used up)."""
    proof = reauthenticate(settings, engine, events, admin, ADMIN_PASSWORD, params=params, now=T0)
    enrolment = begin_totp(settings, engine, proof, label="phone", now=T0)
    code = totp.code_at(enrolment.secret, totp.step_at(T0))
    confirm_totp(settings, engine, events, admin, enrolment.factor_id, code, now=T0)
    return enrolment.secret


def at(secret: bytes, moment: datetime) -> str:
    return totp.code_at(secret, totp.step_at(moment))


def test_login_asks_for_the_code_once_a_factor_is_enrolled(
    settings, engine, events, admin, params, with_totp
):
    asked: list[str] = []

    def ask() -> str:
        asked.append("asked")
        return at(with_totp, T0 + STEP)

    login(settings, engine, events, admin, ADMIN_PASSWORD, params=params, now=T0, ask_code=ask)
    assert asked == ["asked"]
    [factor] = list_factors(engine, admin)
    with engine.connect() as connection:
        assert connection.execute(select(sessions.c.mfa)).scalar_one() == factor.factor_id
    verified = [e for e in recorded(engine) if e["name"] == "mfa.verified"]
    assert verified == [
        {
            "name": "mfa.verified",
            "actor": admin,
            "user": admin,
            "kind": "totp",
            "factor": factor.factor_id,
        }
    ]


def test_a_wrong_code_is_a_failed_login_that_opens_no_session(
    settings, engine, events, admin, params, with_totp
):
    with pytest.raises(WrongFactor):
        login(
            settings,
            engine,
            events,
            admin,
            ADMIN_PASSWORD,
            params=params,
            now=T0,
            second_factor=Given(code=at(with_totp, T0 + 5 * STEP)),
        )
    with pytest.raises(WrongFactor, match="already used"):  # the enrolment's own code
        login(
            settings,
            engine,
            events,
            admin,
            ADMIN_PASSWORD,
            params=params,
            now=T0,
            second_factor=Given(code=at(with_totp, T0)),
        )
    with engine.connect() as connection:
        assert connection.execute(select(sessions)).all() == []
    failed = [e["reason"] for e in recorded(engine) if e["name"] == "auth.login_failed"]
    assert failed == ["second factor: wrong code", "second factor: replayed code"]
    assert not settings.session_file.exists()


@SQLITE_ONLY
def test_a_wrong_password_is_refused_before_any_code_is_asked(
    settings, engine, events, admin, params, with_totp
):
    def ask() -> str:
        raise AssertionError("asked for a code after a wrong password")

    with pytest.raises(WrongCredentials):
        login(settings, engine, events, admin, "wrong password!!", params=params, ask_code=ask)


@SQLITE_ONLY
def test_an_account_with_only_a_security_key_is_told_so_at_the_cli(
    settings, engine, events, admin, params
):
    rp = webauthn.RelyingParty.from_settings(settings)
    key = SoftKey(origin=rp.origins[0])
    proof = reauthenticate(settings, engine, events, admin, ADMIN_PASSWORD, params=params)
    options = webauthn_registration(settings, engine, proof)
    webauthn.register(engine, events, rp, admin, key.create(options), label="key")

    def ask() -> str:
        raise AssertionError("asked for a code the account cannot have")

    with pytest.raises(WrongFactor, match="only a browser can use"):
        login(settings, engine, events, admin, ADMIN_PASSWORD, params=params, ask_code=ask)
    request = webauthn.authentication_options(engine, rp, admin)
    user = login(
        settings,
        engine,
        events,
        admin,
        ADMIN_PASSWORD,
        params=params,
        second_factor=Given(assertion=key.get(request)),
    )
    assert user.name == admin


@SQLITE_ONLY
def test_require_mfa_refuses_an_account_without_a_factor(settings, engine, events, admin, params):
    strict = dataclasses.replace(settings, require_mfa=True)
    with pytest.raises(WrongFactor, match="requires a second factor") as refused:
        login(strict, engine, events, admin, ADMIN_PASSWORD, params=params)
    assert "sceau mfa totp --user root.admin" in refused.value.hint
    login(settings, engine, events, admin, ADMIN_PASSWORD, params=params)  # the default: allowed


def test_reauthentication_needs_the_password_and_the_factor_and_is_recorded(
    settings, engine, events, admin, params, with_totp
):
    later = T0 + STEP
    with pytest.raises(WrongCredentials):
        reauthenticate(settings, engine, events, admin, "not it at all", params=params, now=later)
    with pytest.raises(WrongFactor):  # enrolled: the password alone is not enough
        reauthenticate(settings, engine, events, admin, ADMIN_PASSWORD, params=params, now=later)
    proof = reauthenticate(
        settings,
        engine,
        events,
        admin,
        ADMIN_PASSWORD,
        Given(code=at(with_totp, later)),
        params=params,
        now=later,
    )
    assert (proof.user, proof.kind, proof.at) == (admin, "totp", later)
    names = [(e["name"], e.get("kind"), e.get("reason")) for e in recorded(engine)]
    assert ("mfa.failed", "password", "wrong password") in names
    assert ("mfa.failed", "none", "no second factor given") in names
    assert names.count(("auth.reauthenticated", "none", None)) == 1  # before enrolling
    assert names.count(("auth.reauthenticated", "totp", None)) == 1


@SQLITE_ONLY
def test_a_proof_is_fresh_for_five_minutes_and_for_its_own_account_only(
    settings, engine, events, admin, params
):
    proof = reauthenticate(settings, engine, events, admin, ADMIN_PASSWORD, params=params, now=T0)
    assert require_fresh(proof, admin, now=T0 + timedelta(minutes=5)) is proof
    with pytest.raises(NotFresh, match="more than 5 minutes ago"):
        require_fresh(proof, admin, now=T0 + timedelta(minutes=5, seconds=1))
    with pytest.raises(NotFresh):
        require_fresh(proof, "someone.else", now=T0)
    with pytest.raises(NotFresh):
        require_fresh(None, admin, now=T0)
    with pytest.raises(NotFresh):  # a proof from the future is no proof
        require_fresh(proof, admin, now=T0 - timedelta(seconds=1))
    stale = T0 + timedelta(minutes=6)
    with pytest.raises(NotFresh):
        begin_totp(settings, engine, proof, label="phone", now=stale)
    with pytest.raises(NotFresh):
        issue_recovery_codes(settings, engine, events, proof, now=stale)


@SQLITE_ONLY
def test_recovery_codes_need_a_factor_and_go_with_the_last_one(
    settings, engine, events, admin, params, with_totp
):
    code = Given(code=at(with_totp, T0 + STEP))
    bare = reauthenticate(
        settings, engine, events, admin, ADMIN_PASSWORD, code, params=params, now=T0 + STEP
    )
    codes = issue_recovery_codes(settings, engine, events, bare, now=T0 + STEP)
    [app, recovery_set] = list_factors(engine, admin)
    assert (app.kind, recovery_set.kind) == ("totp", "recovery")
    with pytest.raises(MfaError, match="no factor number 999"):
        remove_factor(engine, events, bare, 999, now=T0 + STEP)
    removed = remove_factor(engine, events, bare, app.factor_id, now=T0 + STEP)
    assert removed == [app.factor_id, recovery_set.factor_id]
    assert list_factors(engine, admin) == []
    proof = reauthenticate(settings, engine, events, admin, ADMIN_PASSWORD, params=params)
    with pytest.raises(MfaError, match="has neither"):
        issue_recovery_codes(settings, engine, events, proof)
    with pytest.raises(WrongFactor):  # the old codes went with the app
        recovery.use(engine, events, mfa_key(settings), admin, codes[0], now=T0)
    kinds = [(e["kind"], e["factor"]) for e in recorded(engine) if e["name"] == "mfa.removed"]
    assert kinds == [("totp", app.factor_id), ("recovery", recovery_set.factor_id)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("YES", True), ("1", True), ("false", False), ("0", False)],
)
def test_require_mfa_is_a_yes_or_no_setting(tmp_path, raw, expected):
    settings = load_settings({"SCEAU_HOME": str(tmp_path), "SCEAU_REQUIRE_MFA": raw})
    assert settings.require_mfa is expected


def test_require_mfa_refuses_anything_else_and_reads_toml_booleans(tmp_path):
    with pytest.raises(ConfigError, match="require_mfa must be true or false"):
        load_settings({"SCEAU_HOME": str(tmp_path), "SCEAU_REQUIRE_MFA": "maybe"})
    (tmp_path / "config.toml").write_text('require_mfa = true\nmfa_key = "/etc/sceau/mfa.key"\n')
    settings = load_settings({"SCEAU_HOME": str(tmp_path)})
    assert settings.require_mfa is True
    assert str(settings.mfa_key_path) == "/etc/sceau/mfa.key"
    assert load_settings({"SCEAU_HOME": str(tmp_path / "x")}).require_mfa is False


def test_a_store_made_before_second_factors_gets_their_tables_when_opened(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = open_store(url)
    with old.begin() as connection:  # as an earlier release left it: no MFA tables
        for table in ("webauthn_challenges", "recovery_codes", "mfa_factors"):
            connection.execute(text(f"DROP TABLE {table}"))
    old.dispose()
    engine = open_store(url)
    try:
        assert {"mfa_factors", "recovery_codes", "webauthn_challenges"} <= set(
            inspect(engine).get_table_names()
        )
    finally:
        engine.dispose()
