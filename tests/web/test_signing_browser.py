"""Signing in the browser, in the system Chromium against a real ``sceau serve``: a controller
makes a signing key in the browser (WebCrypto Ed25519, not extractable, kept in the profile),
registers its public half after giving a password and an app code again, signs a mandate file
from the disk with it; ``sceau mandate verify``'s path accepts the signature, and the operator
then runs the mandate at the service. Screenshots go to ``test-artefacts/console/``."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pyotp
from tests.migrate.world import PASSWORD
from tests.web.test_console_browser import (
    APPS,
    ARTEFACTS,
    RECOVERY,
    Served,
    browser,
    log_in,
    page,
    pytestmark,
    served,
    sync_api,
)

from sceau.crypto.signing import grouped
from sceau.mandate.signature import signature_path
from sceau.mandate.signers import list_signers
from sceau.mandate.verify import load_verified
from sceau.store.schema import mandates

__all__ = ["browser", "page", "pytestmark", "served"]  # the fixtures and marks it shares


def next_code(app: pyotp.TOTP) -> str:
    """The app's code once its 30 seconds turn: the code of the login is spent."""
    time.sleep(30 - time.time() % 30 + 1)
    return app.now()


def in_page(page, script: str, arg: object = None) -> dict:
    """Run a request from the page, as its own script would (the session cookie, the CSRF
    header); the answer's status and JSON."""
    return page.evaluate(
        """async ([script, arg]) => {
          const csrf = document.cookie.split("; ").find((c) => c.startsWith("__Host-csrf="));
          const headers = {"content-type": "application/json",
                           "x-csrf-token": decodeURIComponent(csrf.split("=")[1])};
          const [method, path, body] = script === "get" ? ["GET", arg, undefined]
            : ["POST", arg.path, JSON.stringify(arg.body)];
          const answer = await fetch(path, {method, headers, body, credentials: "same-origin"});
          return {status: answer.status, json: await answer.json().catch(() => null)};
        }""",
        [script, arg],
    )


def test_a_controller_signs_in_the_browser_and_the_operator_runs_it(
    page, browser, served: Served, tmp_path: Path
):
    world = served.world
    log_in(page, served, "dr.martin")
    page.goto(f"{served.url}/keys?lang=en")
    assert "this browser profile only" in page.text_content("#profile-only")
    sync_api.expect(page.locator("#browser-key-none")).to_be_visible()
    page.fill("#new-key-password", "wrong password")
    page.fill("#new-key-code", "000000")
    page.click("#new-key button[type=submit]")
    sync_api.expect(page.locator("#keys-error")).not_to_be_empty()
    page.fill("#new-key-password", PASSWORD)
    page.fill("#new-key-code", next_code(APPS[served.url, "dr.martin"]))
    page.click("#new-key button[type=submit]")
    sync_api.expect(page.locator("#browser-key-here")).to_be_visible()
    shown = page.text_content("#browser-fingerprint") or ""
    mine = [s for s in list_signers(world.engine) if s.user == "dr.martin"]
    made = mine[-1]  # the browser's, after the key file the world made
    assert len(mine) == 2
    assert shown == grouped(made.fingerprint)
    assert page.locator("#new-key").is_hidden()  # one active key in this browser
    listed = page.locator(f'#my-keys tr[data-fingerprint="{made.fingerprint}"]')
    assert listed.locator(".in-browser").is_visible()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "keys-in-the-browser.png"), full_page=True)

    mandate = tmp_path / "lab-a.toml"
    target = tmp_path / "signed-in-browser.db"
    mandate.write_text(world.mandate_text(destination=f"sqlite:///{target}"), encoding="utf-8")
    sha256 = hashlib.sha256(mandate.read_bytes()).hexdigest()
    page.goto(f"{served.url}/mandates/sign?lang=en")
    sync_api.expect(page.locator("#sign-fingerprint")).to_have_text(shown)
    page.set_input_files("#sign-file", str(mandate))
    sync_api.expect(page.locator("#sign-mandate-id")).to_have_text("lab-a-to-new-lis")
    page.fill("#sign-password", PASSWORD)
    page.fill("#sign-code", RECOVERY[served.url, "dr.martin"].pop())
    page.screenshot(path=str(ARTEFACTS / "sign-a-mandate-file.png"), full_page=True)
    page.click("#sign-form button[type=submit]")
    page.wait_for_url(f"{served.url}/mandates/{sha256}?lang=en")

    # what the browser signed verifies as `sceau mandate verify` checks it
    with world.engine.connect() as connection:
        row = connection.execute(mandates.select().where(mandates.c.sha256 == sha256)).one()
    assert row.body.encode("utf-8") == mandate.read_bytes()
    assert row.fingerprint == made.fingerprint
    assert json.loads(row.signature)["signer"] == "dr.martin"
    signature_path(mandate).write_text(row.signature, encoding="utf-8")
    verified = load_verified(mandate, world.engine, world.events)
    assert (verified.signer, verified.fingerprint) == ("dr.martin", made.fingerprint)

    # the operator, in another browser, hands it to the service, which runs it
    context = browser.new_context(ignore_https_errors=True, locale="en-GB")
    try:
        operator = context.new_page()
        log_in(operator, served, "op.durand")
        started = in_page(
            operator,
            "post",
            {"path": "/api/runs", "body": {"mandate": row.body, "signature": row.signature}},
        )
        assert started["status"] == 202, started
        deadline = time.monotonic() + 120
        facts = in_page(operator, "get", started["json"]["follow"])["json"]
        while facts["state"] not in {"shredded", "failed", "stopped"}:
            assert time.monotonic() < deadline, facts
            time.sleep(0.5)
            facts = in_page(operator, "get", started["json"]["follow"])["json"]
    finally:
        context.close()
    assert facts["state"] == "shredded", facts
    assert facts["rows"]["loaded"] > 0
    assert target.exists()

    # the profile is to be given up: its key is revoked from the page, with a reason
    page.goto(f"{served.url}/keys?lang=en")
    revoke = page.locator(f'form.revoke-key[data-fingerprint="{made.fingerprint}"]')
    revoke.locator("input[name=reason]").fill("browser profile given up")
    revoke.locator("input[name=password]").fill(PASSWORD)
    revoke.locator("input[name=code]").fill(RECOVERY[served.url, "dr.martin"].pop())
    revoke.locator("button[type=submit]").click()
    sync_api.expect(page.locator("#browser-key-gone")).to_be_visible()
    sync_api.expect(page.locator("#new-key")).to_be_visible()  # make another one
    assert listed.get_attribute("data-revoked") == "yes"
    [ended] = [s for s in list_signers(world.engine) if s.fingerprint == made.fingerprint]
    assert ended.revoked_at is not None
