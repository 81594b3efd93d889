"""The console in a real browser: the system Chromium, driven by Playwright, against a real
``sceau serve`` over TLS on a loopback port. People log in through the page, watch a run, verify
the trail, meet a refusal, read French; the strict CSP must never be violated on the way.
Screenshots are kept under ``test-artefacts/console/`` (git-ignored) for a person to look at."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from tests.certificates import self_signed
from tests.conftest import free_port
from tests.migrate.test_stop import _StopAfter
from tests.migrate.world import CHEAP, PASSWORD, World, make_world
from tests.web.service import LAB_A
from tests.web.test_serve_process import wait_healthy

from sceau.accounts import Role, add_user, enrolment
from sceau.accounts.labs import add_member
from sceau.accounts.mfa import mfa_key
from sceau.audit.proof import check_proof
from sceau.migrate import runs
from sceau.migrate.errors import StoppedOnRequest
from sceau.migrate.pipeline import migrate
from sceau.migrate.state import RunState

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "console"

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no system Chromium (dev/test installs it)"),
]


@dataclass
class Served:
    url: str
    run_id: str
    events: object
    trusted: ssl.SSLContext
    world: World
    stopped: str  # a run stopped while loading, for the live page and the abandon button
    codes: dict[str, str]  # each person's enrolment code, as their admin gave it


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A real service over TLS: lab A's controller and operator, an auditor, one run."""
    home = tmp_path_factory.mktemp("browser")
    world = make_world(home / "service")
    for auditor in ("aud.petit", "aud.cle"):  # the second enrols a security key
        add_user(
            world.engine, world.events, auditor, Role.AUDITOR, PASSWORD, by="admin", params=CHEAP
        )
    add_user(  # leaves the lab: the admin disables the account
        world.engine, world.events, "op.parti", Role.OPERATOR, PASSWORD, by="admin", params=CHEAP
    )
    for name in ("dr.martin", "op.durand"):
        add_member(world.engine, world.events, name, LAB_A, by="admin")
    key = mfa_key(world.settings, create=True)
    codes = {
        name: enrolment.issue(world.engine, world.events, key, name, by="admin")
        for name in ("admin", "dr.martin", "op.durand", "aud.petit", "aud.cle")
    }
    run_id = migrate(
        world.session(), world.signed_mandate(destination=f"sqlite:///{home / 'lis.db'}")
    ).run_id
    session = world.session()
    session.progress = _StopAfter(session, "load", 1)
    with pytest.raises(StoppedOnRequest) as stopped:
        migrate(session, world.signed_mandate(destination=f"sqlite:///{home / 'other.db'}"))
    assert stopped.value.run_id is not None
    cert, key = self_signed(home)
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SCEAU_HOME": str(world.home),
        "SCEAU_KEYRING_PASSPHRASE": world.settings.keyring_passphrase,
        "SCEAU_SUPERVISE_SECONDS": "1",
        # a security key is bound to a domain, never to an address: the key test uses this name
        "SCEAU_WEBAUTHN_RP_ID": "localhost",
        "SCEAU_WEBAUTHN_ORIGIN": f"https://localhost:{port}",
    }
    command = [sys.executable, "-m", "sceau", "serve", "--port", str(port)]
    command += ["--certfile", str(cert), "--keyfile", str(key)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        wait_healthy(url, trusted, server)
        yield Served(url, run_id, world.events, trusted, world, stopped.value.run_id, codes)
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
            )
        except sync_api.Error as error:  # the reason, proven by the launch itself
            pytest.skip(f"the system Chromium does not start here: {error.message[:200]}")
        yield launched
        launched.close()


@pytest.fixture
def page(browser, served: Served, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser profile whose console errors (a CSP violation is one) are collected, and
    which leaves a screenshot of where it ended."""
    context = browser.new_context(ignore_https_errors=True, locale="en-GB")
    opened = context.new_page()
    errors: list[str] = []
    refused: list[str] = []  # answers of 400 and more: said by the page, not script errors
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: errors.append(str(e)))
    opened.on("response", lambda r: refused.append(r.url) if r.status >= 400 else None)
    yield opened
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(ARTEFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    csp = [e for e in errors if "Content Security Policy" in e]
    assert not csp, csp
    # a refusal the test meant (said by the page) or the browser's guess at /favicon.ico
    loads = [e for e in errors if e.startswith("Failed to load resource")]
    assert len(loads) <= len(refused) + 1
    scripts = [e for e in errors if e not in loads]
    assert not scripts, scripts


# each person's unspent recovery codes at each service, from enrolment
RECOVERY: dict[tuple[str, str], list[str]] = {}
APPS: dict[tuple[str, str], pyotp.TOTP] = {}  # each person's authenticator app at each service


def log_in(page, served: Served, name: str, lang: str = "en") -> None:
    """Log in as a person does: the password, then, the first time, enrol an authenticator app
    from the page (the code computed from the URI it shows); later, a recovery code it gave
    (each works once; an app's code would be refused as a replay within its 30 seconds)."""
    page.goto(f"{served.url}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("#login-password button[type=submit]")
    page.locator("#login-enrol:visible, #login-factor:visible").wait_for()
    if page.is_visible("#login-enrol"):
        give_enrolment_code(page, served, name)
        page.click("#enrol-totp")
        page.locator("#enrol-uri").wait_for()
        sync_api.expect(page.locator("#enrol-uri")).to_contain_text("otpauth://totp/")
        app = pyotp.parse_uri(page.text_content("#enrol-uri"))
        APPS[served.url, name] = app
        sync_api.expect(page.locator("#enrol-qr svg")).to_have_count(1)  # drawn by the service
        page.fill("#enrol-code", app.now())
        page.click("#enrol-confirm button[type=submit]")
        sync_api.expect(page.locator("#codes")).not_to_be_empty()
        RECOVERY[served.url, name] = page.text_content("#codes").split()
        assert len(RECOVERY[served.url, name]) == 10
        page.click("#login-codes a")
    else:
        page.fill("#code", RECOVERY[served.url, name].pop())
        page.select_option("#code-kind", "recovery")
        page.click("#factor-code button[type=submit]")
    page.wait_for_url(f"{served.url}/?lang={lang}")


def give_enrolment_code(page, served: Served, name: str) -> None:
    """The code the admin gave with the account: the page then offers the factors to enrol."""
    page.fill("#enrol-answer", served.codes[name])
    page.click("#enrol-given button[type=submit]")
    page.locator("#enrol-totp").wait_for()


def test_a_person_logs_in_through_the_page_and_sees_who_they_are(page, served: Served):
    log_in(page, served, "dr.martin")
    assert page.text_content("#who") == "dr.martin"
    assert LAB_A in page.text_content("main")
    page.click("#logout")
    page.wait_for_url(f"{served.url}/login?lang=en")
    page.goto(f"{served.url}/")
    assert "log in first" in page.text_content("#problem")


def test_a_wrong_password_is_said_on_the_page(page, served: Served):
    page.goto(f"{served.url}/login")
    page.fill("#name", "dr.martin")
    page.fill("#password", "not the password at all")
    page.click("#login-password button[type=submit]")
    sync_api.expect(page.locator("#login-error")).to_contain_text("password")
    assert page.url.startswith(f"{served.url}/login")


def test_an_operator_watches_a_run_page(page, served: Served):
    log_in(page, served, "op.durand")
    page.click("text=Runs")
    page.click(f"text={served.run_id}")
    page.wait_for_selector("#run-progress")
    state = page.get_attribute("#run-state", "data-state")
    assert state in {"verified", "shredded"}
    assert page.eval_on_selector("#run-progress", "bar => bar.value === bar.max")
    assert page.locator("#checkpoints tr").count() > 1
    assert page.locator("#abandon").count() == 0  # a completed run is never abandoned


def test_a_driven_runs_page_follows_its_progress_then_the_operator_abandons_it(
    page, served: Served
):
    """While a process drives the run (here: this test holds its lock, as ``sceau migrate``
    does), the page polls /api/runs/{id}: a new batch moves the bar, a new state redraws the
    page; then the Abandon button, confirmed, gives the run up."""
    engine, root, run_id = served.world.engine, served.world.settings.staging_root, served.stopped
    log_in(page, served, "op.durand")
    staged = runs.checkpoints_of(engine, run_id, "staged")
    loaded = runs.checkpoints_of(engine, run_id, "loaded")
    following = min(set(staged) - set(loaded))
    with runs.run_lock(root, run_id):
        runs.move(engine, run_id, RunState.STOPPED, RunState.LOADING)
        page.goto(f"{served.url}/runs/{run_id}?lang=en")
        assert page.get_attribute("#run", "data-live") == "yes"
        before = page.text_content("#run-rows")
        digest, refused = staged[following]
        runs.record_checkpoint(engine, run_id, "loaded", following, digest, refused)
        sync_api.expect(page.locator("#run-rows")).not_to_have_text(before or "", timeout=10_000)
        runs.move(engine, run_id, RunState.LOADING, RunState.STOPPED)
        sync_api.expect(page.locator("#run-state")).to_have_attribute(
            "data-state", "stopped", timeout=10_000
        )
    page.goto(f"{served.url}/runs/{run_id}?lang=en")
    assert page.get_attribute("#run", "data-live") == "no"  # nobody drives it: no polling
    page.on("dialog", lambda dialog: dialog.accept())
    page.check("#abandon input[name=confirm]")
    page.click("#abandon button[type=submit]")
    sync_api.expect(page.locator("#abandoned")).to_be_visible()
    record = runs.find_run(engine, run_id)
    assert record is not None
    assert record.state is RunState.ABANDONED


def test_an_auditor_verifies_the_trail(page, served: Served):
    log_in(page, served, "aud.petit")
    page.goto(f"{served.url}/audit?lang=en")
    page.click("#verify")
    page.wait_for_selector("#verdict")
    assert "Intact" in page.text_content("#verdict")
    assert "audit.verified" in served.events.names()  # type: ignore[attr-defined]


def test_an_auditor_searches_the_trail_opens_an_entry_and_downloads_its_proof(
    page, served: Served, tmp_path: Path
):
    log_in(page, served, "aud.petit")
    page.goto(f"{served.url}/audit?lang=en")
    page.click("#search-trail")
    page.select_option("#event", "auth.login")
    page.fill("#actor", "aud.petit")
    page.click("#search")
    page.wait_for_url("**/audit/entries?*event=auth.login*")
    shown = page.locator("#entries tr")
    assert shown.count() > 1
    assert {text.strip() for text in page.locator("#entries td code").all_text_contents()} == {
        "auth.login"
    }
    page.locator("#entries a").first.click()
    page.wait_for_selector("#leaf-hash")
    with page.expect_download() as download:
        page.click("#download-proof")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    event, _ = check_proof(saved.read_text(), verifier=served.events.verifier)  # type: ignore[attr-defined]
    assert (event.name, event.actor) == ("auth.login", "aud.petit")


def test_an_admin_disables_an_account_from_the_accounts_page(page, served: Served):
    log_in(page, served, "admin")
    page.click("text=Accounts")
    page.wait_for_selector("#accounts")
    acts = page.locator("[id='account-op.parti'] + tr.acts")
    acts.locator("input[name=confirm]").check()
    acts.locator("button.disable").click()
    page.wait_for_selector("#accounts")
    assert "disabled since" in page.text_content("[id='account-op.parti'] td.state")
    assert "user.disabled" in served.events.names()  # type: ignore[attr-defined]


def test_a_page_the_role_does_not_allow_is_refused(page, served: Served):
    log_in(page, served, "op.durand")
    assert page.locator("a[href^='/audit']").count() == 0  # not offered
    answer = page.goto(f"{served.url}/audit")
    assert answer is not None
    assert answer.status == 403
    assert "your role does not allow audit.read" in page.text_content("#problem")


def test_a_french_browser_gets_the_console_in_french(browser, served: Served):
    context = browser.new_context(ignore_https_errors=True, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{served.url}/login")
        assert page.get_attribute("html", "lang") == "fr"
        assert page.text_content("label[for=password]") == "Mot de passe"
        log_in(page, served, "dr.martin", lang="fr")
        assert "Laboratoires" in page.text_content("main")
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "home-fr.png"), full_page=True)
    finally:
        context.close()


def test_a_security_key_enrols_then_logs_in_through_the_page(browser, served: Served):
    """A virtual authenticator (Chrome DevTools' WebAuthn domain) plays the security key: the
    first login enrols it, the next one is made with it."""
    domain = served.url.replace("127.0.0.1", "localhost")  # the rp id the service was given
    context = browser.new_context(ignore_https_errors=True, locale="en-GB")
    page = context.new_page()
    try:
        devtools = context.new_cdp_session(page)
        devtools.send("WebAuthn.enable")
        devtools.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "usb",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                }
            },
        )
        page.goto(f"{domain}/login")
        page.fill("#name", "aud.cle")
        page.fill("#password", PASSWORD)
        page.click("#login-password button[type=submit]")
        page.locator("#login-enrol").wait_for()
        give_enrolment_code(page, served, "aud.cle")
        page.click("#enrol-key")
        sync_api.expect(page.locator("#codes")).not_to_be_empty()
        page.click("#login-codes a")
        page.wait_for_url(f"{domain}/?lang=en")
        page.click("#logout")
        page.wait_for_url(f"{domain}/login?lang=en")
        page.fill("#name", "aud.cle")
        page.fill("#password", PASSWORD)
        page.click("#login-password button[type=submit]")
        page.click("#factor-key")
        page.wait_for_url(f"{domain}/?lang=en")
        assert page.text_content("#who") == "aud.cle"
    finally:
        context.close()


def test_every_page_of_a_controller_opens_without_a_console_error(page, served: Served):
    """Each page a controller may open, one after the other: no refusal, no script error and no
    CSP violation (the fixture checks the last two on every test)."""
    log_in(page, served, "dr.martin")
    paths = ["/runs", f"/runs/{served.run_id}", "/alerts", "/audit", "/audit/entries"]
    for path in [*paths, "/account", "/"]:
        answer = page.goto(f"{served.url}{path}?lang=en")
        assert answer is not None
        assert answer.status == 200, path
