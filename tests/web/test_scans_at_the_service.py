"""A scan report handed to the service for a lab: kept, audited, shown to that lab's people
alone, downloadable as JSON, HTML and SARIF; refused plainly when it is not a report sceau
would write, or not for one of the sender's labs."""

from __future__ import annotations

import json

import pytest
from tests.web.service import LAB_A, LAB_B, client, log_in, service_world

from sceau.accounts.labs import add_member, remove_member
from sceau.detect.scan import scan
from sceau.web.labs import visible_event


@pytest.fixture
def served(tmp_path):
    world, app = service_world(tmp_path / "home")
    for name in ("op.durand", "dr.martin", "aud.petit"):
        add_member(world.engine, world.events, name, LAB_A, by="admin")
    report = json.loads(json.dumps(scan([str(world.source)]).to_dict()))
    return world, app, report


def test_an_operator_hands_in_a_report_and_the_lab_reads_it(served):
    world, app, report = served
    with client(app) as browser:
        log_in(browser, "op.durand")
        answer = browser.post("/api/scans", json={"finess": LAB_A, "report": report})
        assert answer.status_code == 201, answer.text
        scan_id = answer.json()["scan_id"]
        assert answer.json()["page"] == f"/scans/{scan_id}"
    with client(app) as browser:
        log_in(browser, "dr.martin")
        listed = browser.get("/api/scans").json()["scans"]
        assert [s["scan_id"] for s in listed] == [scan_id]
        assert listed[0]["received_by"] == "op.durand"
        shown = browser.get(f"/api/scans/{scan_id}").json()
        assert shown["report"] == report
        page = browser.get(f"/scans/{scan_id}")
        assert page.status_code == 200
        first = report["sources"][0]["columns"][0]["name"]
        assert f'data-column="{first}"' in page.text
        assert browser.get("/scans").status_code == 200
        for fmt, media in (("json", "json"), ("html", "html"), ("sarif", "sarif+json")):
            got = browser.get(f"/api/scans/{scan_id}/report/{fmt}")
            assert got.status_code == 200
            assert media in got.headers["content-type"]
            assert got.headers["content-disposition"].startswith("attachment")
        assert browser.get(f"/api/scans/{scan_id}/report/exe").status_code == 404
    received = [e for e in world.events.read() if e.name == "scan.received"]
    assert len(received) == 1
    assert received[0].actor == "op.durand"
    assert received[0].get("lab") == LAB_A
    assert received[0].get("scan_id") == scan_id


def test_another_labs_people_see_no_trace_of_it(served):
    world, app, report = served
    with client(app) as browser:
        log_in(browser, "op.durand")
        scan_id = browser.post("/api/scans", json={"finess": LAB_A, "report": report}).json()[
            "scan_id"
        ]
        refused = browser.post("/api/scans", json={"finess": LAB_B, "report": report})
        assert refused.status_code == 403
        assert refused.json()["title"] == "this lab is not one of yours"
    add_member(world.engine, world.events, "aud.petit", LAB_B, by="admin")
    remove_member(world.engine, world.events, "aud.petit", LAB_A, by="admin")
    with client(app) as browser:
        log_in(browser, "aud.petit")
        assert browser.get("/api/scans").json() == {"scans": []}
        missing = browser.get(f"/api/scans/{scan_id}")
        never = browser.get("/api/scans/999999")
        assert missing.status_code == never.status_code == 404
        assert missing.json()["title"] == never.json()["title"]
        assert browser.get(f"/scans/{scan_id}").status_code == 404
    received = next(e for e in world.events.read() if e.name == "scan.received")
    assert not visible_event(world.engine, received, frozenset({LAB_B}))
    assert visible_event(world.engine, received, frozenset({LAB_A}))


def test_an_auditor_reads_but_does_not_hand_in(served):
    _, app, report = served
    with client(app) as browser:
        log_in(browser, "aud.petit")
        denied = browser.post("/api/scans", json={"finess": LAB_A, "report": report})
        assert denied.status_code == 403


def test_a_report_holding_a_value_is_refused_and_not_kept(served):
    _, app, report = served
    report["sources"][0]["columns"][0]["example"] = "DUPONT"
    with client(app) as browser:
        log_in(browser, "op.durand")
        refused = browser.post("/api/scans", json={"finess": LAB_A, "report": report})
        assert refused.status_code == 400
        assert "DUPONT" not in refused.text
        assert "example" in refused.json()["where"]
        assert browser.get("/api/scans").json() == {"scans": []}


def test_lab_without_a_service_is_refused_before_any_read(tmp_path):
    from click.testing import CliRunner

    from sceau.cli import main

    refused = CliRunner().invoke(
        main,
        ["scan", str(tmp_path / "absent.csv"), "--lab", LAB_A],
        env={"SCEAU_HOME": str(tmp_path)},
    )
    assert refused.exit_code != 0
    assert "no service is named" in refused.output


def test_the_controller_drafts_a_mandate_from_a_table_of_the_report(served):
    _, app, report = served
    with client(app) as browser:
        log_in(browser, "op.durand")
        scan_id = browser.post("/api/scans", json={"finess": LAB_A, "report": report}).json()[
            "scan_id"
        ]
    with client(app) as browser:
        log_in(browser, "dr.martin")
        page = browser.get(f"/scans/{scan_id}").text
        assert 'class="inline draft-from-table"' in page
        table = report["sources"][0]["source"]
        made = browser.post(
            "/mandates/drafts",
            data={"scan_id": str(scan_id), "table": table},
            follow_redirects=False,
        )
        assert made.status_code == 303, made.text
        draft = browser.get(made.headers["location"])
        assert draft.status_code == 200
        assert report["sources"][0]["columns"][0]["name"] in draft.text
    with client(app) as browser:
        log_in(browser, "aud.petit")  # reads the report, drafts nothing
        assert "draft-from-table" not in browser.get(f"/scans/{scan_id}").text
