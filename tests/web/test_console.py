"""The console's pages, in process: each page answers its roles in their language, refuses the
others with a page (same status as the API), filters by lab, and its forms need the CSRF token."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from litestar import Litestar
from sqlalchemy import Engine
from tests.migrate.test_stop import _StopAfter
from tests.migrate.world import World
from tests.web.service import LAB_A, LAB_B, client, log_in, service_world

from sceau.accounts import User
from sceau.accounts.labs import add_member
from sceau.accounts.sessions import short_id
from sceau.accounts.users import get_user
from sceau.alerts.model import Finding, Severity
from sceau.alerts.records import get_alert, raise_alerts
from sceau.migrate import runs
from sceau.migrate.errors import StoppedOnRequest
from sceau.migrate.pipeline import migrate
from sceau.migrate.state import RunState
from sceau.web import auth
from sceau.web.guard import SESSION_COOKIE
from sceau.web.problems import CSRF_HEADER


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Litestar, str, str]:
    """Lab A's world: a completed run and a stopped one, an alert about each kind."""
    home = tmp_path_factory.mktemp("console")
    world, app = service_world(home / "home")
    done = migrate(
        world.session(), world.signed_mandate(destination=f"sqlite:///{home / 'a.db'}")
    ).run_id
    session = world.session()
    session.progress = _StopAfter(session, "load", 1)
    with pytest.raises(StoppedOnRequest) as stopped:
        migrate(session, world.signed_mandate(destination=f"sqlite:///{home / 'b.db'}"))
    assert stopped.value.run_id is not None
    for name in ("dr.martin", "op.durand"):
        add_member(world.engine, world.events, name, LAB_A, by="admin")
    add_member(world.engine, world.events, "aud.petit", LAB_B, by="admin")
    raise_alerts(
        world.engine,
        world.events,
        [Finding("failed-auth", Severity.MEDIUM, "user:x", "logins refused", {"user": "x"})],
        datetime.now(UTC),
    )
    return world, app, done, stopped.value.run_id


def test_the_login_page_is_open_speaks_french_and_keeps_the_strict_csp(console):
    _, app, _, _ = console
    with client(app) as browser:
        page = browser.get("/login")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script>" not in page.text
        assert "style=" not in page.text
        assert 'id="password"' in page.text
        french = browser.get("/login", headers={"accept-language": "fr-FR,fr;q=0.9"})
        assert "Mot de passe" in french.text
        assert 'lang="fr"' in french.text
        asked = browser.get("/login?lang=en", headers={"accept-language": "fr-FR"})
        assert "Password" in asked.text
        script = browser.get("/static/console.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert browser.get("/static/secrets.txt").status_code == 404


def test_an_anonymous_page_is_refused_with_a_page_that_links_to_the_login(console):
    _, app, done, _ = console
    with client(app) as browser:
        for path in ("/", "/runs", f"/runs/{done}", "/audit", "/account"):
            refused = browser.get(path)
            assert refused.status_code == 401, path
            assert refused.headers["content-type"].startswith("text/html")
            assert 'href="/login?lang=en"' in refused.text
        assert browser.get("/api/runs").headers["content-type"] == "application/problem+json"


def test_the_controller_sees_home_runs_and_a_run_with_its_checkpoints(console):
    _, app, done, stopped = console
    with client(app) as browser:
        log_in(browser, "dr.martin")
        home = browser.get("/")
        assert home.status_code == 200
        assert "dr.martin" in home.text
        assert LAB_A in home.text
        assert 'href="/audit?lang=en"' in home.text  # a controller reads the trail
        listed = browser.get("/runs?lang=fr")
        assert done in listed.text
        assert stopped in listed.text
        assert "arrêtée" in listed.text  # the stopped run's state, in French
        shown = browser.get(f"/runs/{stopped}")
        assert 'data-state="stopped"' in shown.text
        assert "<progress" in shown.text
        assert 'id="abandon"' in shown.text  # stopped: a controller may give it up
        assert 'name="_csrf_token"' in shown.text
        finished = browser.get(f"/runs/{done}")
        assert 'id="abandon"' not in finished.text  # a completed run is never abandoned
        assert 'id="certificate-reason"' in finished.text


def test_another_labs_auditor_gets_a_missing_run_and_the_operator_no_audit_page(console):
    world, app, done, _ = console
    with client(app) as browser:
        log_in(browser, "aud.petit")
        before = world.events.size()
        missing = browser.get(f"/runs/{done}")
        assert missing.status_code == 404
        assert "no run with this id" in missing.text
        assert done not in browser.get("/runs").text
        reached = list(world.events.read(after=before - 1, names={"auth.denied"}))
        assert [e.get("reason") for e in reached] == ["another lab's"]
    with client(app) as browser:
        log_in(browser, "op.durand")
        refused = browser.get("/audit")
        assert refused.status_code == 403
        assert "your role does not allow audit.read" in refused.text
        assert 'href="/audit' not in browser.get("/").text  # not offered either


def test_the_auditor_verifies_the_trail_from_the_page(console):
    world, app, _, _ = console
    with client(app) as browser:
        log_in(browser, "aud.petit")
        page = browser.get("/audit")
        assert page.status_code == 200
        assert 'id="verify"' in page.text
        csrf = browser.headers.pop(CSRF_HEADER)
        refused = browser.post("/audit/verify")  # a form without its token
        assert refused.status_code == 403
        verdict = browser.post("/audit/verify?lang=fr", data={"_csrf_token": csrf})
        assert verdict.status_code == 200, verdict.text
        assert "Intact" in verdict.text
    assert world.events.read(names={"audit.verified"})


def test_the_operator_abandons_the_stopped_run_only_once_the_box_is_ticked(console):
    world, app, _, stopped = console
    with client(app) as browser:
        log_in(browser, "op.durand")
        csrf = browser.headers[CSRF_HEADER]
        unticked = browser.post(f"/runs/{stopped}/abandon", data={"_csrf_token": csrf})
        assert unticked.status_code == 400
        assert "not ticked" in unticked.text
        record = runs.find_run(world.engine, stopped)
        assert record is not None
        assert record.state is RunState.STOPPED
        done = browser.post(
            f"/runs/{stopped}/abandon", data={"_csrf_token": csrf, "confirm": "yes"}
        )
        assert done.status_code == 200, done.text
        assert 'id="abandoned"' in done.text
    record = runs.find_run(world.engine, stopped)
    assert record is not None
    assert record.state is RunState.ABANDONED
    assert (world.settings.home / "reports" / stopped / "certificate.json").exists()
    assert "run.abandoned" in world.events.names()


def test_alerts_are_acknowledged_and_resolved_from_their_page(console):
    world, app, _, _ = console
    with client(app) as browser:
        log_in(browser, "op.durand")
        page = browser.get("/alerts")
        assert "logins refused" in page.text
        alert_id = 1
        csrf = browser.headers[CSRF_HEADER]
        acked = browser.post(
            f"/alerts/{alert_id}/acknowledge", data={"_csrf_token": csrf}, follow_redirects=False
        )
        assert acked.status_code == 303
        assert get_alert(world.engine, alert_id).acked_by == "op.durand"
        resolved = browser.post(
            f"/alerts/{alert_id}/resolve",
            data={"_csrf_token": csrf, "why": "a typo, checked with the user"},
            follow_redirects=False,
        )
        assert resolved.status_code == 303
        assert get_alert(world.engine, alert_id).resolved_by == "op.durand"
        assert "logins refused" not in browser.get("/alerts").text


def test_my_account_lists_my_sessions_and_tokens_and_ends_them(console):
    world, app, _, _ = console
    with client(app) as browser:
        log_in(browser, "dr.martin")
        made = browser.post("/api/tokens", json={"label": "laptop"}).json()
        page = browser.get("/account")
        assert made["token_id"] in page.text
        assert "laptop" in page.text
        assert made["token"] not in page.text
        assert "(this one)" in page.text
        csrf = browser.headers[CSRF_HEADER]
        revoked = browser.post(
            f"/account/tokens/{made['token_id']}/revoke",
            data={"_csrf_token": csrf},
            follow_redirects=False,
        )
        assert revoked.status_code == 303
        assert "revoked" in browser.get("/account").text
        service = app.state.service
        user = get_user_named(service.engine, "dr.martin")
        elsewhere = auth.open_session(service, user, complete=True, minutes=5, now=service.clock())
        other_id = short_id(auth.digest(service, elsewhere))
        assert other_id in browser.get("/account").text
        ended = browser.post(
            f"/account/sessions/{other_id}/end", data={"_csrf_token": csrf}, follow_redirects=False
        )
        assert ended.status_code == 303
        assert ended.headers["location"].startswith("/account")
        assert auth.session_principal(service, elsewhere, service.clock()) is None
        assert browser.get("/").status_code == 200  # mine goes on
        assert other_id not in browser.get("/account").text
        assert browser.post("/account/sessions/000000000000/end").status_code == 404
    assert {"auth.token_revoked", "auth.logout"} <= set(world.events.names())


def get_user_named(engine: Engine, name: str) -> User:
    with engine.connect() as connection:
        user = get_user(connection, name)
    assert user is not None
    return user


def test_the_enrolment_qr_is_drawn_only_for_a_login_enrolling_its_factor(console):
    _, app, _, _ = console
    uri = "otpauth://totp/sceau:dr.martin?secret=JBSWY3DPEHPK3PXP&issuer=sceau"
    with client(app) as browser:
        log_in(browser, "dr.martin")  # a complete session: the QR is not for it
        assert browser.post("/login/qr", json={"uri": uri}).status_code == 401
        service = app.state.service
        user = get_user_named(service.engine, "dr.martin")
        pending = auth.open_session(service, user, complete=False, minutes=5, now=service.clock())
        browser.cookies.set(SESSION_COOKIE, pending)  # giving a factor: nothing to draw
        assert browser.post("/login/qr", json={"uri": uri}).status_code == 401
        enrolling = auth.open_session(
            service, user, complete=False, minutes=5, now=service.clock(), stage=auth.ENROL
        )
        browser.cookies.set(SESSION_COOKIE, enrolling)
        drawn = browser.post("/login/qr", json={"uri": uri})
        assert drawn.status_code == 200
        assert drawn.headers["content-type"].startswith("image/svg+xml")
        assert drawn.text.startswith("<svg")
        assert "<script" not in drawn.text
        refused = browser.post("/login/qr", json={"uri": "https://elsewhere.example/"})
        assert refused.status_code == 400
