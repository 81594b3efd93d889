"""The incidents' pages at the service: each lab sees its own incidents and clocks, in French
or English; the forms record a clock met or the reasons for its delay, with the CSRF token and
the role each clock needs; another lab's incident is answered as a missing one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from tests.migrate.world import World
from tests.web.service import LAB_A, LAB_B, client, log_in, service_world

from sceau.accounts.labs import add_member
from sceau.alerts.model import Finding, Severity
from sceau.alerts.records import list_alerts, raise_alerts
from sceau.trace.incidents import ClockKind, ClockState, Nature, get_incident, open_incident
from sceau.web.labs import visible_alerts
from sceau.web.problems import CSRF_HEADER


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Litestar, int, int]:
    """Lab A's incident known for 80 hours (every clock overdue) and lab B's, just opened."""
    world, app = service_world(tmp_path_factory.mktemp("incidents") / "home")
    for name in ("dr.martin", "op.durand"):
        add_member(world.engine, world.events, name, LAB_A, by="admin")
    add_member(world.engine, world.events, "aud.petit", LAB_B, by="admin")
    now = datetime.now(UTC)
    ids = [
        open_incident(
            world.engine,
            world.events,
            title=title,
            labs=[lab],
            nature=(Nature.CONFIDENTIALITY, Nature.AVAILABILITY),
            aware_by="the lab's DPO",
            by="dr.martin",
            now=now,
            aware_at=now - timedelta(hours=hours),
        ).incident_id
        for title, lab, hours in (("extract on a forum", LAB_A, 80), ("ransomware", LAB_B, 1))
    ]
    return world, app, ids[0], ids[1]


def test_a_lab_sees_its_incidents_and_clocks_in_english_and_french(service) -> None:
    _, app, mine, theirs = service
    with client(app) as browser:
        log_in(browser, "dr.martin")
        listed = browser.get("/incidents")
        assert listed.status_code == 200
        assert "extract on a forum" in listed.text
        assert "ransomware" not in listed.text
        assert f'href="/incidents/{theirs}' not in listed.text
        assert 'href="/incidents?lang=en"' in browser.get("/").text  # offered in the menu
        page = browser.get(f"/incidents/{mine}")
        assert page.status_code == 200
        assert "notification to the CNIL" in page.text
        assert "GDPR art. 33(1)" in page.text
        assert "overdue" in page.text
        assert 'name="_csrf_token"' in page.text
        assert "<script>" not in page.text
        assert "style=" not in page.text
        french = browser.get(f"/incidents/{mine}?lang=fr")
        assert "notification à la CNIL" in french.text
        assert "dépassé" in french.text
        assert "confidentialité, disponibilité" in french.text
        assert "Aucun incident" not in browser.get("/incidents?lang=fr").text


def test_another_labs_incident_is_answered_as_a_missing_one(service) -> None:
    world, app, mine, theirs = service
    with client(app) as browser:
        log_in(browser, "aud.petit")
        before = world.events.size()
        missing = browser.get(f"/incidents/{mine}")
        assert missing.status_code == 404
        assert "no incident with this number" in missing.text
        absent = browser.get("/incidents/999")
        assert (absent.status_code, "no incident with this number" in absent.text) == (404, True)
        denied = list(world.events.read(after=before - 1, names={"auth.denied"}))
        assert [e.get("reason") for e in denied] == ["another lab's"]
        csrf = browser.headers[CSRF_HEADER]
        posted = browser.post(
            f"/incidents/{mine}/delay",
            data={"_csrf_token": csrf, "clock": "cnil", "finess": LAB_A, "reason": "x"},
        )
        assert posted.status_code == 404
        assert "ransomware" in browser.get("/incidents").text
        assert browser.get(f"/incidents/{theirs}").status_code == 200


def test_the_controller_records_the_cnil_late_only_with_the_reasons(service) -> None:
    world, app, mine, _ = service
    with client(app) as browser:
        log_in(browser, "dr.martin")
        csrf = browser.headers.pop(CSRF_HEADER)
        form = {"_csrf_token": csrf, "clock": "cnil", "finess": LAB_A, "reference": "CNIL-42"}
        without = {k: v for k, v in form.items() if k != "_csrf_token"}
        assert browser.post(f"/incidents/{mine}/met", data=without).status_code == 403
        refused = browser.post(f"/incidents/{mine}/met", data=form)
        assert refused.status_code == 400
        assert "reasons for the delay" in refused.text
        done = browser.post(
            f"/incidents/{mine}/met",
            data=form | {"reason": "the scope was known on day 3"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        page = browser.get(f"/incidents/{mine}")
        assert "the scope was known on day 3" in page.text
        assert "sent late" in page.text
        assert "Record a complementary notification" in page.text
    incident = get_incident(world.engine, mine)
    assert incident is not None
    clock = incident.clock(LAB_A, ClockKind.CNIL)
    assert (clock.met_by, clock.reference) == ("dr.martin", "CNIL-42")
    assert clock.state(datetime.now(UTC)) is ClockState.LATE


def test_the_operator_records_the_processors_notice_but_not_the_labs_notifications(
    service,
) -> None:
    world, app, mine, _ = service
    with client(app) as browser:
        log_in(browser, "op.durand")
        csrf = browser.headers[CSRF_HEADER]
        form = {"_csrf_token": csrf, "finess": LAB_A, "reason": "the on-call team was reached late"}
        refused = browser.post(f"/incidents/{mine}/delay", data=form | {"clock": "ars"})
        assert refused.status_code == 403
        assert "incident.record" in refused.text
        given = browser.post(
            f"/incidents/{mine}/delay", data=form | {"clock": "notice"}, follow_redirects=False
        )
        assert given.status_code == 303
        met = browser.post(
            f"/incidents/{mine}/met",
            data={"_csrf_token": csrf, "clock": "notice", "finess": LAB_A, "reference": "mail 9"},
            follow_redirects=False,
        )
        assert met.status_code == 303
    given_events = world.events.read(names={"incident.delay_given"})
    (event,) = [e for e in given_events if e.get("clock") == "notice"]
    assert (event.get("lab"), event.get("clock"), event.actor) == (LAB_A, "notice", "op.durand")


def test_a_clocks_alert_is_seen_by_its_lab_only(service) -> None:
    world, _, mine, _ = service
    raise_alerts(
        world.engine,
        world.events,
        [
            Finding(
                "incident-clock",
                Severity.CRITICAL,
                f"incident:{mine}:{LAB_A}:ars:overdue",
                f"incident {mine}, lab {LAB_A}: the report to the health authorities was due",
                {"incident_id": mine, "finess": LAB_A, "clock": "ars"},
            )
        ],
        datetime.now(UTC),
    )
    found = list_alerts(world.engine)
    assert [a.rule for a in visible_alerts(world.engine, found, frozenset({LAB_A}))] == [
        "incident-clock"
    ]
    assert visible_alerts(world.engine, found, frozenset({LAB_B})) == []
