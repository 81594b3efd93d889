"""The first second factor is enrolled only with the one-time code the admin gave with the
account: a password seen over a shoulder no longer lets someone else enrol their own phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from litestar import Litestar
from sqlalchemy import select
from tests.migrate.world import World
from tests.web.mfa_client import enrol_app, enrolment_code, start
from tests.web.service import client, service_world

from sceau.accounts import enrolment
from sceau.accounts.throttle import ACCOUNT_FREE
from sceau.store.schema import enrolment_codes

T = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def served(tmp_path: Path) -> tuple[World, Litestar]:
    world, app = service_world(tmp_path / "home", require_mfa=True)
    app.state.service.clock = lambda: T
    return world, app


def test_without_the_code_no_factor_can_be_enrolled(served):
    world, app = served
    with client(app) as browser:
        assert start(browser, "dr.martin").json() == {"stage": "enrol", "factors": []}
        for path in ("/auth/enrol/totp", "/auth/enrol/webauthn/options"):
            refused = browser.post(path, json={})
            assert refused.status_code == 401
            assert "enrolment code" in refused.json()["title"]
        none = browser.post("/auth/enrol/code", json={"answer": "7k2m-9xq4-hc3d"})
        assert none.status_code == 401
        assert none.json()["title"].startswith("this account has no enrolment code")
    failed = [e.get("reason") for e in world.events.read(names={"auth.login_failed"})]
    assert failed == ["second factor: no enrolment code"]


def test_the_code_works_once_for_its_account_and_is_kept_only_as_a_keyed_hash(served):
    world, app = served
    with client(app) as browser:
        code = enrolment_code(browser, "dr.martin")
        with world.engine.connect() as connection:
            (stored,) = connection.execute(select(enrolment_codes.c.digest)).scalars()
        assert code.replace("-", "") not in stored
        start(browser, "op.durand")  # someone else's code opens nothing
        assert browser.post("/auth/enrol/code", json={"answer": code}).status_code == 401
    with client(app) as browser:
        start(browser, "dr.martin")
        given = browser.post("/auth/enrol/code", json={"answer": code.upper()})
        assert given.json() == {"stage": "enrol", "factors": []}
        assert browser.post("/auth/enrol/totp", json={}).status_code == 200
    with client(app) as browser:
        start(browser, "dr.martin")  # the code is spent, even before a factor was enrolled
        again = browser.post("/auth/enrol/code", json={"answer": code})
        assert again.status_code == 401
    names = [
        e.name
        for e in world.events.read(names={"mfa.enrolment_code_issued", "mfa.enrolment_code_used"})
    ]
    assert names == ["mfa.enrolment_code_issued", "mfa.enrolment_code_used"]


def test_an_expired_code_is_refused_and_a_new_one_replaces_the_old(served):
    _, app = served
    with client(app) as browser:
        old = enrolment_code(browser, "dr.martin")
        later = T + timedelta(hours=enrolment.HOURS)
        app.state.service.clock = lambda: later
        start(browser, "dr.martin")
        expired = browser.post("/auth/enrol/code", json={"answer": old})
        assert expired.status_code == 401
        assert "expired" in expired.json()["title"]
    with client(app) as browser:
        enrolment_code(browser, "dr.martin")
        start(browser, "dr.martin")
        assert browser.post("/auth/enrol/code", json={"answer": old}).status_code == 401
    with client(app) as browser:
        app_, codes = enrol_app(browser, "dr.martin", later)
        assert isinstance(app_, pyotp.TOTP)
        assert len(codes) == 10


def test_guessing_codes_is_throttled_like_passwords(served):
    world, app = served
    with client(app) as browser:
        enrolment_code(browser, "dr.martin")
        start(browser, "dr.martin")
        answers = [
            browser.post("/auth/enrol/code", json={"answer": f"0000-0000-{n:04d}"}).status_code
            for n in range(ACCOUNT_FREE + 1)
        ]
    assert answers[:ACCOUNT_FREE] == [401] * ACCOUNT_FREE
    assert answers[-1] == 429
    assert list(world.events.read(names={"auth.login_throttled"}))
