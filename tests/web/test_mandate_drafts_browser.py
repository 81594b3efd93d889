"""A draft reviewed in a real browser against a real ``sceau serve`` over TLS: the controller
chooses a treatment, writes the purpose and overrules a finding with a recovery code, and the
strict CSP is never violated on the way (the ``page`` fixture checks it and keeps a screenshot)."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from tests.certificates import self_signed
from tests.conftest import free_port
from tests.migrate.world import PASSWORD, World, make_world
from tests.web.service import LAB_A
from tests.web.test_console_browser import ARTEFACTS, RECOVERY, browser, log_in, page  # noqa: F401
from tests.web.test_serve_process import wait_healthy

from sceau.accounts import enrolment
from sceau.accounts.labs import add_member
from sceau.accounts.mfa import mfa_key
from sceau.detect.scan import scan
from sceau.mandate.drafts import create_draft, find_draft

sync_api = pytest.importorskip("playwright.sync_api")
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


def test_the_controller_reviews_edits_and_overrules_a_draft_in_the_browser(page, served):  # noqa: F811
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
