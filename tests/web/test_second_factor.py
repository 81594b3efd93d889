"""The two-step login: an account with a second factor enrolled gets a pending session that may
only give that factor; until the factor is verified, it reaches nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update
from tests.migrate.world import PASSWORD
from tests.web.service import client, csrf_of, service_world

from sceau.store.schema import users
from sceau.web.guard import SESSION_COOKIE
from sceau.web.problems import CSRF_HEADER


def test_an_enrolled_account_waits_at_the_second_factor_and_reaches_nothing(tmp_path: Path):
    world, app = service_world(tmp_path / "home")
    with world.engine.begin() as connection:
        connection.execute(
            update(users).where(users.c.name == "dr.martin").values(mfa_secret=b"wrapped")
        )
    with client(app) as browser:
        csrf = csrf_of(browser)
        browser.headers[CSRF_HEADER] = csrf
        answer = browser.post("/auth/login", json={"name": "dr.martin", "password": PASSWORD})
        assert answer.status_code == 200
        assert answer.json() == {"stage": "second_factor", "factors": ["totp"]}
        assert browser.cookies.get(SESSION_COOKIE)
        for path in ("/auth/me", "/api/runs", "/api/tokens"):
            assert browser.get(path).status_code == 401
        step = browser.post("/auth/mfa/totp", json={"answer": "000000"})
        assert step.status_code == 401
        assert "cannot be checked" in step.json()["title"]
    assert not list(world.events.read(names={"auth.login"}))  # never completed
    reasons = [e.get("reason") for e in world.events.read(names={"auth.denied"})]
    assert reasons.count("second factor not given") == 3
