"""Mandate drafts at the service: a draft made from a real scan of a synthetic lab, reviewed and
edited on its page, a finding overruled only by the controller after a fresh password and code,
compared with the last signed version, and never shown to another lab."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from tests.migrate.world import CHEAP, LAB_A_RULES, PASSPHRASE, PASSWORD, World
from tests.web.mfa_client import enrol_app
from tests.web.service import LAB_A, LAB_B, client, service_world

from sceau.accounts import Role, add_user
from sceau.accounts.labs import add_member
from sceau.detect.scan import scan
from sceau.mandate.drafts import create_draft, find_draft
from sceau.mandate.parse import parse_mandate
from sceau.mandate.sign import sign_mandate
from sceau.store.schema import login_throttle
from sceau.web.problems import CSRF_HEADER

T = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
STEP = timedelta(seconds=30)
HEADER = {
    "purpose": "Move lab A's records to its new laboratory software",
    "legal_reference": "Processing agreement 2026-014 (GDPR art. 28)",
    "controller_name": "Laboratoire A",
    "processor_name": "LIS Vendor SAS",
    "validity_from": "2026-12-01",
    "validity_until": "2027-01-05",
    "destination_create": "true",
    "staging_retention_days": "7",
}


@pytest.fixture
def served(tmp_path: Path) -> tuple[World, Litestar, str]:
    """The service, lab A's people and lab B's controller, and a draft of lab A's export."""
    world, app = service_world(tmp_path / "home", require_mfa=True)
    add_user(
        world.engine, world.events, "dr.blanc", Role.CONTROLLER, PASSWORD, by="admin", params=CHEAP
    )
    for name, lab in (("dr.martin", LAB_A), ("op.durand", LAB_A), ("dr.blanc", LAB_B)):
        add_member(world.engine, world.events, name, lab, by="admin")
    at(app, T)
    draft_id = create_draft(
        world.engine,
        world.events,
        lab=LAB_A,
        report=scan([world.source]),
        table=None,
        source=str(world.source),
        scan_id=None,
        by="op.durand",
        now=T,
    )
    return world, app, draft_id


def at(app: Litestar, moment: datetime) -> None:
    app.state.service.clock = lambda: moment


def form(browser: TestClient[Litestar], path: str, **fields: str) -> int:
    """Post a console form as the page does (the CSRF token in the form), without following."""
    fields["_csrf_token"] = browser.headers[CSRF_HEADER]
    answer = browser.post(path, data=fields, follow_redirects=False)
    return answer.status_code


def body_of(browser: TestClient[Litestar], draft_id: str) -> str:
    answer = browser.get(f"/api/drafts/{draft_id}/body")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


def rule(text: str, column: str) -> dict[str, object]:
    return tomllib.loads(text)["columns"][column]


def names(world: World, event: str) -> list[dict[str, object]]:
    return [{**e.payload, "actor": e.actor} for e in world.events.read(names={event})]


def fill(browser: TestClient[Litestar], draft_id: str, destination: str) -> None:
    """The controller fills the header and chooses lab A's treatments."""
    fields = {**HEADER, "destination_location": destination, "destination_table": "patients"}
    assert form(browser, f"/mandates/drafts/{draft_id}/header", **fields) == 303
    for column, treatment in LAB_A_RULES.items():
        path = f"/mandates/drafts/{draft_id}/treatment"
        assert form(browser, path, column=column, treatment=treatment) == 303


def test_the_draft_page_shows_each_finding_without_a_value(served):
    world, app, draft_id = served
    with client(app) as browser:
        enrol_app(browser, "op.durand", T)
        page = browser.get(f"/mandates/drafts/{draft_id}?lang=en")
        assert page.status_code == 200, page.text
        assert "Content-Security-Policy" in page.headers
        html = page.text
        listing = browser.get("/mandates?lang=fr")
        shown = browser.get(f"/api/drafts/{draft_id}").json()
    for column in world.synth.frame.columns:
        assert f'data-column="{column}"' in html
    n_ss = next(c for c in shown["columns"] if c["name"] == "N_SS")
    assert n_ss["rule"]["detected"] == "NIR"
    assert n_ss["finding"]["matches"] > 0
    assert n_ss["finding"]["evidence"]
    assert "example" not in n_ss["finding"]  # not even a value's shape
    assert shown["problem"]["where"].startswith("draft: ")  # TODOs are left
    for value in world.synth.frame["N_SS"].drop_nulls().head(50).to_list():
        assert str(value) not in html
    assert listing.status_code == 200
    assert "Brouillons" in listing.text
    assert f"/mandates/drafts/{draft_id}" in listing.text
    assert "overrule" not in html  # an operator is not offered the controller's form
    created = names(world, "mandate.draft_created")
    assert [(e["actor"], e["draft_id"], e["lab"]) for e in created] == [
        ("op.durand", draft_id, LAB_A)
    ]


def test_an_operator_chooses_treatments_but_not_the_controllers_words(served, tmp_path):
    world, app, draft_id = served
    with client(app) as browser:
        enrol_app(browser, "op.durand", T)
        path = f"/mandates/drafts/{draft_id}"
        assert form(browser, f"{path}/treatment", column="NOM_PAT", treatment="pseudonymise") == 303
        assert form(browser, f"{path}/header", destination_table="patients") == 303
        text = body_of(browser, draft_id)
        refused = form(browser, f"{path}/header", purpose="Anything the operator likes")
        overruled = form(
            browser, f"{path}/overrule", column="NOM_PAT", category="LOGIN", reason="x",
            password=PASSWORD,
        )  # fmt: skip
        wrong = form(browser, f"{path}/treatment", column="NOM_PAT", treatment="generalise")
        assert body_of(browser, draft_id) == text
    assert rule(text, "NOM_PAT") == {"treatment": "pseudonymise", "detected": "PERSON_NAME"}
    assert tomllib.loads(text)["destination"]["table"] == "patients"
    assert (refused, overruled, wrong) == (403, 403, 400)
    denied = [(e["actor"], e["command"]) for e in names(world, "auth.denied")]
    assert denied.count(("op.durand", "mandate.overrule")) == 2  # the purpose, the overrule
    changes = [(e["actor"], e["field"]) for e in names(world, "mandate.draft_changed")]
    assert changes == [
        ("op.durand", "columns.NOM_PAT.treatment"),
        ("op.durand", "destination.table"),
    ]


def test_overruling_a_finding_needs_the_password_and_code_again(served, tmp_path):
    world, app, draft_id = served
    path = f"/mandates/drafts/{draft_id}/overrule"
    reason = "the lab keeps the patient's initials here, never a full name"
    with client(app) as browser:
        totp, _ = enrol_app(browser, "dr.martin", T)
        fill(browser, draft_id, f"sqlite:///{tmp_path / 'lis.db'}")
        at(app, T + STEP)
        wrong_code = form(
            browser, path, column="NOM_PAT", category="OTHER", reason=reason,
            password=PASSWORD, answer="000000" if totp.at(T + STEP) != "000000" else "111111",
        )  # fmt: skip
        wrong_password = form(
            browser, path, column="NOM_PAT", category="OTHER", reason=reason,
            password="not it", answer=totp.at(T + STEP),
        )  # fmt: skip
        before = body_of(browser, draft_id)
        done = form(
            browser, path, column="NOM_PAT", category="OTHER", reason=reason,
            password=PASSWORD, answer=totp.at(T + STEP),
        )  # fmt: skip
        after = body_of(browser, draft_id)
        shown = browser.get(f"/api/drafts/{draft_id}").json()
        page = browser.get(f"/mandates/drafts/{draft_id}?lang=en").text
    assert (wrong_code, wrong_password, done) == (401, 401, 303)
    assert "category" not in rule(before, "NOM_PAT")
    assert rule(after, "NOM_PAT") == {
        "treatment": "pseudonymise",
        "detected": "PERSON_NAME",
        "category": "OTHER",
        "reason": reason,
    }
    with world.engine.connect() as connection:
        failures = connection.execute(select(login_throttle.c.key, login_throttle.c.failures))
        assert any(key.startswith("account:") for key, _ in failures)  # the guesses counted
    mandate = parse_mandate(after.encode("utf-8"))
    assert mandate.rule("NOM_PAT").override == {"category": "OTHER", "reason": reason}
    assert mandate.controller.finess == LAB_A
    assert shown["problem"] is None, shown["problem"]
    assert "Ready to sign" in page
    assert [
        (e["actor"], e["column"], e["detected"], e["category"], e["reason"], e["lab"])
        for e in names(world, "mandate.finding_overruled")
    ] == [("dr.martin", "NOM_PAT", "PERSON_NAME", "OTHER", reason, LAB_A)]


def test_another_labs_draft_and_mandate_are_answered_as_missing(served, tmp_path):
    world, app, draft_id = served
    world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    sha256 = names(world, "mandate.signed")[0]["mandate_sha256"]
    with client(app) as browser:
        enrol_app(browser, "dr.blanc", T)
        answers = {
            path: browser.get(path).status_code
            for path in (
                f"/mandates/drafts/{draft_id}",
                f"/mandates/drafts/{draft_id}/diff",
                f"/api/drafts/{draft_id}",
                f"/api/drafts/{draft_id}/body",
                f"/api/mandates/{sha256}",
                f"/mandates/{sha256}",
                "/api/drafts/no-such-draft",
            )
        }
        treatment = form(
            browser, f"/mandates/drafts/{draft_id}/treatment", column="NOM_PAT", treatment="keep"
        )
        listed = browser.get("/api/drafts").json()
        listing = browser.get("/mandates?lang=en").text
    assert set(answers.values()) == {404}, answers
    assert treatment == 404
    assert listed == {"drafts": []}
    assert draft_id not in listing
    assert sha256 not in listing
    assert "keep" not in str(rule(find_draft(world.engine, draft_id).body, "NOM_PAT"))


def test_the_diff_against_the_last_signed_version(served, tmp_path):
    world, app, draft_id = served
    destination = f"sqlite:///{tmp_path / 'lis.db'}"
    with client(app) as browser:
        enrol_app(browser, "dr.martin", T)
        nothing = browser.get(f"/mandates/drafts/{draft_id}/diff?lang=en")
        fill(browser, draft_id, destination)
        signed_path = tmp_path / "signed.toml"
        signed_path.write_bytes(body_of(browser, draft_id).encode("utf-8"))
        sign_mandate(
            signed_path, world.signer_key, PASSPHRASE, world.engine, world.events,
            user="dr.martin", now=T,
        )  # fmt: skip
        sha256 = names(world, "mandate.signed")[0]["mandate_sha256"]
        same = browser.get(f"/mandates/drafts/{draft_id}/diff?lang=en").text
        path = f"/mandates/drafts/{draft_id}"
        assert form(browser, f"{path}/treatment", column="TEL1", treatment="drop") == 303
        assert form(browser, f"{path}/header", validity_until="2027-01-04") == 303
        changed = browser.get(f"/mandates/drafts/{draft_id}/diff?lang=en").text
        signed_page = browser.get(f"/mandates/{sha256}?lang=en")
        signed_json = browser.get(f"/api/mandates/{sha256}").json()
        listing = browser.get("/mandates?lang=en").text
    assert nothing.status_code == 200
    assert "No signed version yet" in nothing.text
    assert "The draft is the signed text, unchanged." in same
    assert sha256[:16] in same
    changes = re.findall(r'class="column-change" data-column="([^"]+)"', changed)
    assert changes == ["TEL1"]
    assert "validity.until" in changed
    assert "2027-01-04" in changed
    assert "-TEL1 = { treatment = &#34;encrypt&#34;" in changed
    assert "+TEL1 = { treatment = &#34;drop&#34;" in changed
    assert signed_page.status_code == 200, signed_page.text
    fingerprint = signed_json["fingerprint"]
    grouped = " ".join(fingerprint[i : i + 4] for i in range(0, 64, 4))
    assert grouped in signed_page.text
    assert signed_json["signer"] == "dr.martin"
    assert signed_json["runs"] == []
    assert "Laboratoire A" in signed_page.text
    assert f"/mandates/{sha256}" in listing


def test_a_draft_is_made_from_a_scan_handed_to_the_service(served):
    world, app, _ = served
    report = json.loads(json.dumps(scan([str(world.source)]).to_dict()))
    with client(app) as browser:
        enrol_app(browser, "op.durand", T)
        handed = browser.post("/api/scans", json={"finess": LAB_A, "report": report})
        assert handed.status_code == 201, handed.text
        scan_id = handed.json()["scan_id"]
        listing = browser.get("/mandates?lang=en").text
        made = browser.post("/api/drafts", json={"scan_id": scan_id})
        opened = browser.post(
            "/mandates/drafts",
            data={"scan_id": str(scan_id), "_csrf_token": browser.headers[CSRF_HEADER]},
            follow_redirects=False,
        )
    with client(app) as browser:
        enrol_app(browser, "dr.blanc", T)
        elsewhere = browser.post("/api/drafts", json={"scan_id": scan_id})
        beyond = browser.post("/api/drafts", json={"scan_id": 2**70})
    assert 'id="new-draft"' in listing
    assert made.status_code == 201, made.text
    assert opened.status_code == 303
    draft_id = made.json()["draft_id"]
    assert opened.headers["location"].startswith("/mandates/drafts/")
    assert opened.headers["location"].split("?")[0] != f"/mandates/drafts/{draft_id}"
    draft = find_draft(world.engine, draft_id)
    assert (draft.lab, draft.scan_id, draft.created_by) == (LAB_A, scan_id, "op.durand")
    assert list(tomllib.loads(draft.body)["columns"]) == list(world.synth.frame.columns)
    assert draft.finding("N_SS")["category"] == "NIR"
    assert (elsewhere.status_code, beyond.status_code) == (404, 404)
    created = [e["scan_id"] for e in names(world, "mandate.draft_created")]
    assert created == [None, scan_id, scan_id]
