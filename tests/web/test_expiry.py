"""Sessions, pending logins and tokens end when they say they do: the service's clock is set,
not waited for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from tests.migrate.world import World
from tests.web.service import client, csrf_of, log_in, service_world

from sceau.accounts.policy import get_policy, set_policy
from sceau.accounts.users import get_user
from sceau.web import auth
from sceau.web.guard import SESSION_COOKIE
from sceau.web.problems import CSRF_HEADER


@pytest.fixture
def served(tmp_path: Path) -> tuple[World, Litestar]:
    return service_world(tmp_path / "home")


def later(app: Litestar, **delta: float) -> None:
    """Move the service's clock forward by ``delta`` from now."""
    moment = datetime.now(UTC) + timedelta(**delta)
    app.state.service.clock = lambda: moment


def test_a_session_ends_when_unused_for_the_idle_limit(served):
    world, app = served
    policy = get_policy(world.engine)
    with client(app) as browser:
        log_in(browser, "op.durand")
        later(app, minutes=policy.idle_minutes - 1)
        assert browser.get("/auth/me").status_code == 200  # used: the idle limit slides
        later(app, minutes=2 * policy.idle_minutes - 2)
        assert browser.get("/auth/me").status_code == 200
        later(app, minutes=3 * policy.idle_minutes)
        assert browser.get("/auth/me").status_code == 401


def test_a_session_ends_at_the_absolute_limit_however_used(served):
    world, app = served
    set_policy(world.engine, world.events, by="admin", idle_minutes=30, absolute_minutes=60)
    with client(app) as browser:
        log_in(browser, "op.durand")
        for minutes in (20, 40, 59):  # never idle for 30 minutes
            later(app, minutes=minutes)
            assert browser.get("/auth/me").status_code == 200
        later(app, minutes=61)
        assert browser.get("/auth/me").status_code == 401


def test_a_login_waiting_for_its_second_factor_lapses_after_five_minutes(served):
    _, app = served
    service = app.state.service
    with service.engine.connect() as connection:
        user = get_user(connection, "op.durand")
    assert user is not None
    pending = auth.open_session(service, user, complete=False, minutes=60, now=service.clock())
    with client(app) as browser:
        browser.cookies.set(SESSION_COOKIE, pending)
        browser.headers[CSRF_HEADER] = csrf_of(browser)
        later(app, minutes=auth.PENDING_MINUTES + 1)
        lapsed = browser.post("/auth/mfa/totp", json={"answer": "000000"})
    assert lapsed.status_code == 401
    assert "cannot be checked" not in lapsed.text  # refused by the guard, not the factor check


def test_a_token_ends_after_its_days(served):
    _, app = served
    with client(app) as browser:
        log_in(browser, "dr.martin")
        token = browser.post("/api/tokens", json={"label": "laptop", "days": 2}).json()["token"]
    bearer = {"authorization": f"Bearer {token}"}
    with client(app) as cli:
        later(app, days=1)
        assert cli.get("/auth/me", headers=bearer).status_code == 200
        later(app, days=3)
        assert cli.get("/auth/me", headers=bearer).status_code == 401


@pytest.mark.parametrize("days", [0, -1, auth.MAX_TOKEN_DAYS + 1])
def test_a_token_lasts_one_day_to_a_year(served, days: int):
    _, app = served
    with client(app) as browser:
        log_in(browser, "dr.martin")
        refused = browser.post("/api/tokens", json={"label": "laptop", "days": days})
    assert refused.status_code == 400
    assert refused.json()["where"] == "days"
