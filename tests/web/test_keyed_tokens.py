"""Session and API token hashes are keyed by the service: a store writer cannot log in as anyone."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import pytest
from litestar import Litestar
from sqlalchemy import insert, select, update
from tests.migrate.world import World
from tests.web.service import client, log_in, service_world

from sceau.accounts.mfa import mfa_key
from sceau.store import open_store
from sceau.store.schema import api_tokens, web_sessions
from sceau.web.auth import COMPLETE, TOKEN_PREFIX
from sceau.web.guard import SESSION_COOKIE


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Litestar]:
    return service_world(tmp_path_factory.mktemp("keyed") / "home")


def _plain(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_a_session_row_holding_the_sha256_of_a_chosen_token_opens_nothing(served):
    world, app = served
    chosen = secrets.token_urlsafe(32)
    now = app.state.service.clock()
    with world.engine.begin() as connection:  # the attack: a hash inserted into the sessions
        connection.execute(
            insert(web_sessions).values(
                token_sha256=_plain(chosen),
                user="admin",
                stage=COMPLETE,
                created_at=now,
                expires_at=now + timedelta(hours=1),
                last_seen=now,
                keyed=True,
            )
        )
    with client(app) as intruder:
        intruder.cookies.set(SESSION_COOKIE, chosen)
        assert intruder.get("/auth/me").status_code == 401
        assert intruder.get("/api/audit/checkpoint").status_code == 401


def test_a_token_row_holding_the_sha256_of_a_chosen_token_opens_nothing(served):
    world, app = served
    chosen = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = app.state.service.clock()
    with world.engine.begin() as connection:
        connection.execute(
            insert(api_tokens).values(
                token_id="feedfacecafebeef",
                token_sha256=_plain(chosen),
                user="admin",
                label="planted",
                created_at=now,
                expires_at=now + timedelta(days=1),
                keyed=True,
            )
        )
    with client(app) as intruder:
        answer = intruder.get("/auth/me", headers={"authorization": f"Bearer {chosen}"})
        assert answer.status_code == 401


def test_a_login_stores_the_hmac_under_the_services_sub_key_not_the_sha256(served):
    world, app = served
    with client(app) as browser:
        log_in(browser, "dr.martin")
        assert browser.get("/auth/me").json()["user"] == "dr.martin"
        cookie = browser.cookies.get(SESSION_COOKIE) or ""
        token = browser.post("/api/tokens", json={"label": "laptop"}).json()["token"]
    key = mfa_key(world.settings).tokens
    assert key != mfa_key(world.settings).recovery  # one sub-key per use
    with world.engine.connect() as connection:
        sessions = set(connection.execute(select(web_sessions.c.token_sha256)).scalars())
        tokens = set(connection.execute(select(api_tokens.c.token_sha256)).scalars())
    for secret, stored in ((cookie, sessions), (token, tokens)):
        assert hmac.new(key, secret.encode(), hashlib.sha256).hexdigest() in stored
        assert _plain(secret) not in stored
    with client(app) as cli:
        assert cli.get("/auth/me", headers={"authorization": f"Bearer {token}"}).status_code == 200


def test_an_older_stores_unkeyed_sessions_and_tokens_are_retired_on_opening(served):
    world, app = served
    with client(app) as browser:
        log_in(browser, "op.durand")
        token = browser.post("/api/tokens", json={"label": "old laptop"}).json()["token"]
        token_id = browser.get("/api/tokens").json()["tokens"][0]["token_id"]
        with world.engine.begin() as connection:  # as an older sceau left them: no mark
            connection.execute(update(web_sessions).values(keyed=None))
            connection.execute(update(api_tokens).values(keyed=None))
        open_store(world.settings.store)  # the next start of a newer sceau
        with world.engine.connect() as connection:
            assert connection.execute(select(web_sessions)).all() == []
            revoked = connection.execute(
                select(api_tokens.c.revoked_at).where(api_tokens.c.token_id == token_id)
            ).scalar_one()
        assert revoked is not None
        assert browser.get("/auth/me").status_code == 401  # log in again
    with client(app) as cli:
        assert cli.get("/auth/me", headers={"authorization": f"Bearer {token}"}).status_code == 401
        log_in(cli, "op.durand")  # and a new login works
        assert cli.get("/auth/me").status_code == 200
