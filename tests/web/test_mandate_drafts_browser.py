"""A draft reviewed in a real browser against a real ``sceau serve`` over TLS: the controller
chooses a treatment, writes the purpose and overrules a finding with a recovery code, and the
strict CSP is never violated on the way (the ``page`` fixture checks it and keeps a screenshot)."""

from __future__ import annotations

import os
import signal
import sqlite3
import ssl
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from tests.certificates import self_signed
from tests.conftest import free_port
from tests.migrate.world import PASSWORD, World, make_world
from tests.web.service import LAB_A
from tests.web.test_console_browser import (
    APPS,
    ARTEFACTS,
    RECOVERY,
    browser,
    log_in,
    page,
)
from tests.web.test_serve_process import wait_healthy
from tests.web.test_signing_browser import in_page, next_code

from sceau.accounts import enrolment
from sceau.accounts.labs import add_member
from sceau.accounts.mfa import mfa_key
from sceau.detect.scan import scan
from sceau.mandate.drafts import create_draft, find_draft
from sceau.mandate.signature import signature_path
from sceau.mandate.verify import load_verified
from sceau.store.schema import mandates

sync_api = pytest.importorskip("playwright.sync_api")
__all__ = ["browser", "page"]  # the fixtures it shares with the console's browser tests

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.exists("/usr/bin/chromium"), reason="no system Chromium (dev/test installs it)"
    ),
]


@dataclass
class Served:
    url: str
    world: World
    draft_id: str
    codes: dict[str, str]  # each person's enrolment code, as their admin gave it


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A real service over TLS, and a draft of lab A's export made by its operator."""
    home = tmp_path_factory.mktemp("drafts-browser")
    world = make_world(home / "service")
    for name in ("dr.martin", "op.durand"):
        add_member(world.engine, world.events, name, LAB_A, by="admin")
    key = mfa_key(world.settings, create=True)
    codes = {
        name: enrolment.issue(world.engine, world.events, key, name, by="admin")
        for name in ("dr.martin", "op.durand")
    }
    draft_id = create_draft(
        world.engine,
        world.events,
        lab=LAB_A,
        report=scan([world.source]),
        table=None,
        source=str(world.source),
        scan_id=None,
        by="op.durand",
        now=datetime.now(UTC),
    )
    cert, key = self_signed(home)
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SCEAU_HOME": str(world.home),
        "SCEAU_KEYRING_PASSPHRASE": world.settings.keyring_passphrase,
    }
    command = [sys.executable, "-m", "sceau", "serve", "--port", str(port)]
    command += ["--certfile", str(cert), "--keyfile", str(key)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_healthy(url, ssl.create_default_context(cafile=str(cert)), server)
        yield Served(url, world, draft_id, codes)
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)


def test_the_controller_reviews_overrules_signs_a_draft_and_the_operator_runs_it(
    page, browser, served, tmp_path_factory
):
    log_in(page, served, "dr.martin")
    page.click("text=Mandates")
    page.click(f"a[href^='/mandates/drafts/{served.draft_id}']")
    row = page.locator("tr.column[data-column='NOM_PAT']")
    sync_api.expect(row).to_contain_text("PERSON_NAME")
    row.locator("select[name=treatment]").select_option("pseudonymise")
    row.locator("button[type=submit]").click()
    page.wait_for_load_state()
    page.fill("#f-purpose", "Move lab A's records to its new laboratory software")
    page.click("#header button[type=submit]")
    page.wait_for_load_state()
    page.select_option("#o-column", "COMMENT1")
    page.select_option("#o-category", "OTHER")
    page.fill("#o-reason", "a comment field the lab never fills in")
    page.fill("#o-password", PASSWORD)
    page.fill("#o-answer", RECOVERY[served.url, "dr.martin"].pop())
    page.click("#overrule button[type=submit]")
    page.wait_for_load_state()
    sync_api.expect(page.locator("tr.column[data-column='COMMENT1']")).to_contain_text(
        "a comment field the lab never fills in"
    )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "draft-page.png"), full_page=True)  # for a person
    page.click("text=Compare with the last signed version")
    sync_api.expect(page.locator("#no-signed")).to_be_visible()
    draft = find_draft(served.world.engine, served.draft_id)
    assert draft is not None
    columns = tomllib.loads(draft.body)["columns"]
    assert columns["NOM_PAT"]["treatment"] == "pseudonymise"
    assert columns["COMMENT1"]["category"] == "OTHER"
    assert tomllib.loads(draft.body)["purpose"].startswith("Move lab A's records")

    sign_and_run(page, browser, served, tmp_path_factory)


def sign_and_run(page, browser, served, tmp_path_factory) -> None:
    """The issue's walk to its end: the draft reviewed above is completed, signed from its own
    page with a key the browser made, and run at the service by the operator (one test with the
    review: on another worker the review would not have happened)."""
    target = tmp_path_factory.mktemp("lis") / "new-lis.db"
    page.goto(f"{served.url}/keys?lang=en")
    page.fill("#new-key-password", PASSWORD)
    page.fill("#new-key-code", next_code(APPS[served.url, "dr.martin"]))
    page.click("#new-key button[type=submit]")
    sync_api.expect(page.locator("#browser-key-here")).to_be_visible()
    fingerprint = page.text_content("#browser-fingerprint")

    page.goto(f"{served.url}/mandates/drafts/{served.draft_id}?lang=en")
    for field, value in {
        "#f-legal_reference": "Processing agreement 2026-014 (GDPR art. 28)",
        "#f-controller_name": "Laboratoire A",
        "#f-processor_name": "LIS Vendor SAS",
        "#f-destination_location": f"sqlite:///{target}",
        "#f-destination_table": "patients",
    }.items():
        page.fill(field, value)
    page.select_option("#f-destination_create", "true")
    with page.expect_navigation():  # the form posts, then the draft page is drawn again
        page.click("#header button[type=submit]")
    sync_api.expect(page.locator("#sign")).to_be_visible()  # ready: the signing box is drawn
    sync_api.expect(page.locator("#sign-fingerprint")).to_have_text(fingerprint or "")
    page.fill("#sign-password", PASSWORD)
    page.fill("#sign-code", RECOVERY[served.url, "dr.martin"].pop())
    page.click("#sign-form button[type=submit]")
    page.wait_for_url(f"{served.url}/mandates/*")
    sha256 = page.url.rsplit("/", 1)[1].split("?")[0]
    page.screenshot(path=str(ARTEFACTS / "signed-from-the-draft.png"), full_page=True)

    world = served.world
    with world.engine.connect() as connection:
        row = connection.execute(mandates.select().where(mandates.c.sha256 == sha256)).one()
    draft = find_draft(world.engine, served.draft_id)
    assert draft is not None
    assert row.body == draft.body  # the browser signed the draft's exact bytes
    held = tmp_path_factory.mktemp("check") / "signed.toml"
    held.write_text(row.body, encoding="utf-8")
    signature_path(held).write_text(row.signature, encoding="utf-8")
    verified = load_verified(held, world.engine, world.events)
    assert verified.signer == "dr.martin"
    overrule = verified.mandate.columns
    assert any(rule.override for rule in overrule)  # the controller's overrule is signed too

    context = browser.new_context(ignore_https_errors=True, locale="en-GB")
    try:
        operator = context.new_page()
        log_in(operator, served, "op.durand")
        asked = {"mandate": row.body, "signature": row.signature}
        started = in_page(operator, "post", {"path": "/api/runs", "body": asked})
        assert started["status"] == 202, started
        deadline = time.monotonic() + 120
        facts = in_page(operator, "get", started["json"]["follow"])["json"]
        while facts["state"] not in {"shredded", "failed", "stopped"}:
            assert time.monotonic() < deadline, facts
            time.sleep(0.5)
            facts = in_page(operator, "get", started["json"]["follow"])["json"]
        operator.goto(f"{served.url}/runs/{started['json']['run_id']}?lang=en")
        operator.screenshot(path=str(ARTEFACTS / "operator-watches-the-run.png"), full_page=True)
    finally:
        context.close()
    assert facts["state"] == "shredded", facts
    with sqlite3.connect(target) as connection:
        (count,) = connection.execute('SELECT count(*) FROM "patients"').fetchone()
    assert count == facts["rows"]["loaded"] > 0
