"""One lab's people cannot reach another lab's runs, reports or alerts through the service."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar import Litestar
from tests.migrate.world import World
from tests.web.service import LAB_A, LAB_B, client, log_in, service_world

from sceau.accounts.labs import add_member, labs_of, remove_member
from sceau.alerts.model import Finding, Severity
from sceau.alerts.records import raise_alerts
from sceau.migrate.pipeline import migrate


@pytest.fixture(scope="module")
def lab_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Litestar, str]:
    home = tmp_path_factory.mktemp("labs")
    world, app = service_world(home / "home")
    mandate = world.signed_mandate(destination=f"sqlite:///{home / 'lis.db'}")
    run_id = migrate(world.session(), mandate).run_id
    add_member(world.engine, world.events, "dr.martin", LAB_A, by="admin")
    add_member(world.engine, world.events, "aud.petit", LAB_B, by="admin")
    now = datetime.now(UTC)
    raise_alerts(
        world.engine,
        world.events,
        [
            Finding(
                "unverified-run",
                Severity.HIGH,
                f"run:{run_id}",
                "a run of lab A",
                {"run_id": run_id},
            ),
            Finding("failed-auth", Severity.MEDIUM, "user:x", "logins refused", {"user": "x"}),
        ],
        now,
    )
    return world, app, run_id


def test_a_member_of_the_lab_sees_its_run_and_its_report(lab_world):
    _, app, run_id = lab_world
    with client(app) as browser:
        log_in(browser, "dr.martin")
        listed = browser.get("/api/runs").json()["runs"]
        assert [r["run_id"] for r in listed] == [run_id]
        shown = browser.get(f"/api/runs/{run_id}").json()
        assert shown["state"] in {"verified", "shredded"}
        assert shown["checkpoints"]
        assert shown["mandate_id"] == "lab-a-to-new-lis"


def test_another_labs_member_sees_nothing_and_learns_nothing(lab_world):
    world, app, run_id = lab_world
    before = world.events.size()
    with client(app) as browser:
        log_in(browser, "aud.petit")
        assert browser.get("/api/runs").json() == {"runs": []}
        theirs = browser.get(f"/api/runs/{run_id}")
        missing = browser.get("/api/runs/no-such-run")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json()["title"] == missing.json()["title"]
    # answered as missing, but reaching for another lab's run is recorded (the missing one is not)
    denied = list(world.events.read(after=before - 1, names={"auth.denied"}))
    assert [(e.actor, e.get("command"), e.get("reason")) for e in denied] == [
        ("aud.petit", "reports.read", "another lab's")
    ]
    with client(app) as browser:
        log_in(browser, "aud.petit")
        rules = {a["rule"] for a in browser.get("/api/alerts").json()["alerts"]}
        assert rules == {"failed-auth"}  # the installation's alert, not lab A's run's


def test_an_account_of_no_lab_sees_no_lab(lab_world):
    _, app, _ = lab_world
    with client(app) as browser:
        log_in(browser, "op.durand")  # ran the migration, but works for no lab here
        assert browser.get("/api/runs").json() == {"runs": []}


def test_another_labs_alert_cannot_be_answered(lab_world):
    _, app, _ = lab_world
    with client(app) as browser:
        log_in(browser, "dr.martin")
        mine = [
            a for a in browser.get("/api/alerts").json()["alerts"] if a["rule"] == "unverified-run"
        ]
        assert len(mine) == 1
    with client(app) as browser:
        log_in(browser, "admin")  # admins answer alerts, but admin works for no lab
        refused = browser.post(f"/api/alerts/{mine[0]['alert_id']}/acknowledge")
        assert refused.status_code == 404
    with client(app) as browser:
        log_in(browser, "dr.martin")
        done = browser.post(f"/api/alerts/{mine[0]['alert_id']}/acknowledge")
        assert done.status_code == 200, done.text
        assert done.json()["acked_by"] == "dr.martin"


def test_only_an_admin_changes_memberships_and_each_change_is_an_event(lab_world, tmp_path: Path):
    world, app, _ = lab_world
    with client(app) as browser:
        log_in(browser, "admin")
        added = browser.post("/api/accounts/op.durand/labs", json={"finess": LAB_B})
        assert added.status_code == 201, added.text
        assert added.json()["labs"] == [LAB_B]
        bad = browser.post("/api/accounts/op.durand/labs", json={"finess": "not-a-lab"})
        assert bad.status_code == 400
        assert "FINESS" in bad.json()["title"]
        gone = browser.delete(f"/api/accounts/op.durand/labs/{LAB_B}")
        assert gone.json()["labs"] == []
    with client(app) as browser:
        log_in(browser, "dr.martin")
        assert (
            browser.post("/api/accounts/dr.martin/labs", json={"finess": LAB_B}).status_code == 403
        )
    events = [
        (e.name, e.get("user"), e.get("finess"))
        for e in world.events.read(names={"account.lab_added", "account.lab_removed"})
    ]
    assert ("account.lab_added", "op.durand", LAB_B) in events
    assert ("account.lab_removed", "op.durand", LAB_B) in events
    assert labs_of(world.engine, "op.durand") == frozenset()
    assert not remove_member(world.engine, world.events, "op.durand", LAB_B, by="admin")
