"""The login contract with second factors: a service that requires one (the default) sends an
account without any to enrolment, which shows its recovery codes once; an enrolled account gives
its app's code, a recovery code or its security key; a wrong or replayed factor is a failed
login and a guess counted like a wrong password, per account and per address."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from tests.migrate.world import PASSWORD, World
from tests.web.mfa_client import enrol_app, enrol_key, start, start_enrolment
from tests.web.service import client, service_world

T = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
STEP = timedelta(seconds=30)


@pytest.fixture
def served(tmp_path: Path) -> tuple[World, Litestar]:
    world, app = service_world(tmp_path / "home", require_mfa=True)
    app.state.service.clock = lambda: T
    return world, app


def at(app: Litestar, moment: datetime) -> None:
    app.state.service.clock = lambda: moment


def names(world: World, *wanted: str) -> list[str]:
    return [e.name for e in world.events.read(names=set(wanted))]


def test_an_account_without_a_factor_may_only_enrol_one_then_is_logged_in(served):
    world, app = served
    with client(app) as browser:
        assert start(browser, "dr.martin").json() == {"stage": "enrol", "factors": []}
        for path in ("/auth/me", "/api/runs", "/api/tokens"):
            assert browser.get(path).status_code == 401
        assert "enrolment code" in browser.get("/auth/me").json()["title"]
        assert browser.post("/auth/mfa/totp", json={"answer": "123456"}).status_code == 401
    with client(app) as browser:
        _, codes = enrol_app(browser, "dr.martin", T)
        assert len(codes) == 10
        assert len(set(codes)) == 10
        assert browser.get("/auth/me").json()["user"] == "dr.martin"
        assert browser.post("/auth/enrol/totp", json={}).status_code == 401  # done: closed
    assert names(world, "mfa.enrolled", "mfa.recovery_issued", "auth.login") == [
        "mfa.enrolled",
        "mfa.recovery_issued",
        "auth.login",
    ]


def test_a_wrong_first_code_does_not_enrol_and_counts_as_a_failed_login(served):
    world, app = served
    with client(app) as browser:
        start_enrolment(browser, "dr.martin")
        begun = browser.post("/auth/enrol/totp", json={}).json()
        wrong = browser.post(
            "/auth/enrol/totp/confirm", json={"factor": begun["factor"], "answer": "000000"}
        )
        assert wrong.status_code == 401
        assert browser.get("/auth/me").status_code == 401
    failed = list(world.events.read(names={"auth.login_failed"}))
    assert [e.get("reason") for e in failed] == ["second factor: wrong code"]


def test_login_with_the_app_and_a_replayed_code_is_refused(served):
    world, app = served
    with client(app) as browser:
        totp, _ = enrol_app(browser, "dr.martin", T)
    later = T + 2 * STEP
    at(app, later)
    with client(app) as browser:
        answer = start(browser, "dr.martin").json()
        assert answer == {"stage": "second_factor", "factors": ["recovery", "totp"]}
        assert browser.get("/auth/me").status_code == 401
        done = browser.post("/auth/mfa/totp", json={"answer": totp.at(later)})
        assert done.status_code == 200, done.text
        assert done.json() == {"stage": "complete", "user": "dr.martin", "role": "controller"}
        assert browser.get("/auth/me").status_code == 200
    with client(app) as thief:  # the same code, read over the shoulder, within its 30 s
        start(thief, "dr.martin")
        replayed = thief.post("/auth/mfa/totp", json={"answer": totp.at(later)})
        assert replayed.status_code == 401
        assert "already used" in replayed.json()["title"]
        assert thief.get("/auth/me").status_code == 401
    verified = list(world.events.read(names={"mfa.verified"}))
    assert [e.get("kind") for e in verified] == ["totp"]
    assert "second factor: replayed code" in [
        e.get("reason") for e in world.events.read(names={"auth.login_failed"})
    ]


def test_login_with_a_recovery_code_spends_it(served):
    world, app = served
    with client(app) as browser:
        _, codes = enrol_app(browser, "dr.martin", T)
    with client(app) as browser:
        start(browser, "dr.martin")
        assert browser.post("/auth/mfa/recovery", json={"answer": codes[3]}).status_code == 200
        assert browser.get("/auth/me").status_code == 200
    with client(app) as browser:
        start(browser, "dr.martin")
        again = browser.post("/auth/mfa/recovery", json={"answer": codes[3]})
        assert again.status_code == 401
    assert names(world, "mfa.recovery_used") == ["mfa.recovery_used"]


def test_login_with_a_security_key_and_its_answer_cannot_be_replayed(served):
    world, app = served
    with client(app) as browser:
        key, _ = enrol_key(browser, "op.durand")
        assert browser.get("/auth/me").json()["role"] == "operator"
    with client(app) as browser:
        answer = start(browser, "op.durand").json()
        assert answer == {"stage": "second_factor", "factors": ["recovery", "webauthn"]}
        options = browser.post("/auth/mfa/webauthn/options", json={}).json()["publicKey"]
        assert options["rpId"] == "localhost"
        signed = json.dumps(key.get(json.dumps(options)))
        assert browser.post("/auth/mfa/webauthn", json={"answer": signed}).status_code == 200
        assert browser.get("/auth/me").status_code == 200
    with client(app) as thief:  # the same answer again: its challenge was used
        start(thief, "op.durand")
        replayed = thief.post("/auth/mfa/webauthn", json={"answer": signed})
        assert replayed.status_code == 401
        assert thief.get("/auth/me").status_code == 401
    verified = list(world.events.read(names={"mfa.verified"}))
    assert [e.get("kind") for e in verified] == ["webauthn"]


def test_wrong_codes_count_toward_the_accounts_throttle(served):
    world, app = served
    with client(app) as browser:
        enrol_app(browser, "dr.martin", T)
    refused = []
    for _ in range(7):
        with client(app) as browser:
            first = start(browser, "dr.martin")
            if first.status_code == 429:
                refused.append(first)
                break
            assert browser.post("/auth/mfa/totp", json={"answer": "000000"}).status_code in (
                401,
                429,
            )
    assert refused, "the guesses never locked the account"
    assert int(refused[0].headers["retry-after"]) > 0
    assert "auth.login_throttled" in {e.name for e in world.events.read()}


def test_one_address_trying_many_names_is_throttled_even_for_a_right_password(served):
    world, app = served
    statuses = []
    with client(app) as browser:
        for n in range(25):
            statuses.append(start(browser, f"guess{n}", "not the password").status_code)
        right = start(browser, "dr.martin", PASSWORD)
    assert statuses[0] == 401
    assert 429 in statuses
    assert right.status_code == 429
    assert 0 < int(right.headers["retry-after"]) <= 3600
    assert "try again after" in right.json()["title"]
    scopes = {e.get("scope") for e in world.events.read(names={"auth.login_throttled"})}
    assert scopes == {"address"}
