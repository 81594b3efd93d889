"""Guessing session cookies or API tokens is throttled per address, like guessing passwords."""

from __future__ import annotations

import secrets

from tests.migrate.world import PASSWORD
from tests.web.service import client, csrf_of, service_world

from sceau.accounts.throttle import ADDRESS_FREE
from sceau.web.guard import SESSION_COOKIE
from sceau.web.problems import CSRF_HEADER


def _guess() -> dict[str, str]:
    return {"authorization": f"Bearer sceau_{secrets.token_urlsafe(32)}"}


def test_tokens_guessed_from_one_address_end_in_429_while_health_stays_free(tmp_path):
    world, app = service_world(tmp_path / "home")
    with client(app) as guesser:
        answers = [guesser.get("/auth/me", headers=_guess()) for _ in range(ADDRESS_FREE + 1)]
        codes = [answer.status_code for answer in answers]
        assert codes[: ADDRESS_FREE - 1] == [401] * (ADDRESS_FREE - 1)
        assert codes[-1] == 429
        assert int(answers[-1].headers["retry-after"]) > 0
        assert "too many failed attempts" in answers[-1].json()["title"]
        guesser.cookies.set(SESSION_COOKIE, secrets.token_urlsafe(32))
        assert guesser.get("/api/runs").status_code == 429  # a cookie is a guess too
        assert guesser.get("/health").status_code == 200
        csrf = csrf_of(guesser)
        login = guesser.post(
            "/auth/login",
            json={"name": "op.durand", "password": PASSWORD},
            headers={CSRF_HEADER: csrf},
        )
        assert login.status_code == 429  # the same lock as the login's, for this address
    throttled = list(world.events.read(names={"auth.login_throttled"}))
    assert throttled
    assert {(e.actor, e.get("scope")) for e in throttled} == {
        ("(anonymous)", "address"),  # the lock the guesses started, and each guess refused
        ("op.durand", "address"),  # the login refused from the locked address
    }


def test_requests_with_no_credential_at_all_are_refused_but_not_counted(tmp_path):
    world, app = service_world(tmp_path / "home")
    with client(app) as visitor:
        codes = {visitor.get("/auth/me").status_code for _ in range(ADDRESS_FREE * 2)}
        assert codes == {401}
        csrf = csrf_of(visitor)
        login = visitor.post(
            "/auth/login",
            json={"name": "op.durand", "password": PASSWORD},
            headers={CSRF_HEADER: csrf},
        )
        assert login.status_code == 200
    assert not list(world.events.read(names={"auth.login_throttled"}))
