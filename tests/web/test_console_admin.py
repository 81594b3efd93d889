"""The administrator's accounts page: every account with what an admin acts on, and each act
(disable, enable, unlock, end sessions, labs) done through the accounts room, recorded, behind
the CSRF token, and refused to every other role."""

from __future__ import annotations

import pytest
from litestar import Litestar
from tests.migrate.world import World
from tests.web.service import LAB_A, LAB_B, client, csrf_of, log_in, service_world

from sceau.accounts.labs import add_member, labs_of
from sceau.web.guard import SESSION_COOKIE
from sceau.web.problems import CSRF_HEADER


@pytest.fixture
def accounts(tmp_path) -> tuple[World, Litestar]:
    world, app = service_world(tmp_path / "home")
    add_member(world.engine, world.events, "dr.martin", LAB_A, by="admin")
    return world, app


def _events(world: World, name: str) -> list:
    return list(world.events.read(names={name}))


def _session_of(app: Litestar, name: str) -> str:
    """A browser session of ``name``'s, by its cookie."""
    with client(app) as browser:
        log_in(browser, name)
        return browser.cookies.get(SESSION_COOKIE) or ""


def _runs_with(app: Litestar, cookie: str) -> int:
    """What the runs page answers the browser holding ``cookie``."""
    with client(app) as browser:
        browser.cookies.set(SESSION_COOKIE, cookie)
        return browser.get("/runs").status_code


def _post(browser, path: str, **form: str):
    data = {"_csrf_token": browser.headers[CSRF_HEADER], **form}
    return browser.post(path, data=data, follow_redirects=False)


def test_the_admin_sees_every_account_and_no_other_role_does(accounts):
    _, app = accounts
    with client(app) as browser:
        assert browser.get("/admin/accounts").status_code == 401
        log_in(browser, "dr.martin")
        refused = browser.get("/admin/accounts")
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert 'href="/admin/accounts' not in browser.get("/").text
    with client(app) as browser:
        log_in(browser, "admin")
        home = browser.get("/?lang=fr")
        assert 'href="/admin/accounts?lang=fr"' in home.text
        page = browser.get("/admin/accounts?lang=fr")
        assert page.status_code == 200
        for name in ("admin", "dr.martin", "op.durand", "aud.petit"):
            assert f'id="account-{name}"' in page.text
        assert f"<code>{LAB_A}</code>" in page.text
        assert "Dernière connexion" in page.text
        row = page.text.split('id="account-admin"', 1)[1].split("</tr>", 1)[0]
        assert "jamais" not in row  # the admin's own login is on record


def test_the_admin_disables_an_account_which_is_let_in_again_once_enabled(accounts):
    world, app = accounts
    operator = _session_of(app, "op.durand")
    with client(app) as browser:
        log_in(browser, "admin")
        unticked = _post(browser, "/admin/accounts/op.durand/disable")
        assert unticked.status_code == 400
    assert _runs_with(app, operator) == 200
    with client(app) as browser:
        log_in(browser, "admin")
        done = _post(browser, "/admin/accounts/op.durand/disable", confirm="yes")
        assert done.status_code == 303
        assert done.headers["location"].startswith("/admin/accounts")
        assert "disabled since" in browser.get("/admin/accounts?lang=en").text
    assert _runs_with(app, operator) == 401
    assert [e.get("user") for e in _events(world, "user.disabled")] == ["op.durand"]
    with client(app) as browser:
        log_in(browser, "admin")
        assert _post(browser, "/admin/accounts/op.durand/enable", why=" ").status_code == 400
        enabled = _post(browser, "/admin/accounts/op.durand/enable", why="back from leave")
        assert enabled.status_code == 303
    (event,) = _events(world, "user.enabled")
    assert (event.actor, event.get("user"), event.get("reason")) == (
        "admin",
        "op.durand",
        "back from leave",
    )
    assert _runs_with(app, _session_of(app, "op.durand")) == 200


def test_a_throttled_account_is_shown_locked_and_unlocked_with_why(accounts):
    world, app = accounts
    with client(app) as stranger:
        csrf = csrf_of(stranger)
        for _ in range(5):
            refused = stranger.post(
                "/auth/login",
                json={"name": "aud.petit", "password": "not the password"},
                headers={CSRF_HEADER: csrf},
            )
            assert refused.status_code == 401
    with client(app) as browser:
        log_in(browser, "admin")
        row = browser.get("/admin/accounts?lang=en").text.split('id="account-aud.petit"')[1]
        assert "logins locked until" in row.split("</tr>", 1)[0]
        assert _post(browser, "/admin/accounts/aud.petit/unlock", why="she called the desk")
        row = browser.get("/admin/accounts?lang=en").text.split('id="account-aud.petit"')[1]
        assert "logins locked until" not in row.split("</tr>", 1)[0]
    (event,) = _events(world, "auth.login_unlocked")
    assert (event.get("user"), event.get("reason")) == ("aud.petit", "she called the desk")
    assert _session_of(app, "aud.petit")


def test_the_admin_ends_every_session_of_an_account(accounts):
    world, app = accounts
    operator = _session_of(app, "op.durand")
    assert _runs_with(app, operator) == 200
    with client(app) as browser:
        log_in(browser, "admin")
        browser.headers.pop(CSRF_HEADER)
        without = browser.post(
            "/admin/accounts/op.durand/sessions/end", data={"why": "laptop stolen"}
        )
        assert without.status_code == 403  # no CSRF token: refused
    assert _runs_with(app, operator) == 200
    with client(app) as browser:
        log_in(browser, "admin")
        ended = _post(browser, "/admin/accounts/op.durand/sessions/end", why="laptop stolen")
        assert ended.status_code == 303
        nobody = _post(browser, "/admin/accounts/nobody/sessions/end", why="laptop stolen")
        assert nobody.status_code == 404
    assert _runs_with(app, operator) == 401
    (event,) = [e for e in _events(world, "auth.session_ended") if e.get("user") == "op.durand"]
    assert (event.actor, event.get("reason")) == ("admin", "laptop stolen")


def test_the_admin_adds_and_removes_a_lab_membership(accounts):
    world, app = accounts
    with client(app) as browser:
        log_in(browser, "admin")
        added = _post(browser, "/admin/accounts/dr.martin/labs", finess=LAB_B)
        assert added.status_code == 303
        assert labs_of(world.engine, "dr.martin") == {LAB_A, LAB_B}
        assert _post(browser, "/admin/accounts/dr.martin/labs", finess="12").status_code == 400
        removed = _post(browser, f"/admin/accounts/dr.martin/labs/{LAB_A}/remove")
        assert removed.status_code == 303
        assert labs_of(world.engine, "dr.martin") == {LAB_B}
        again = _post(browser, f"/admin/accounts/dr.martin/labs/{LAB_A}/remove")
        assert again.status_code == 404
    assert [e.get("finess") for e in _events(world, "account.lab_added")][-1] == LAB_B
    assert {e.get("finess") for e in _events(world, "account.lab_removed")} == {LAB_A}
