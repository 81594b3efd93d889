"""A run's reports and certificate, downloaded from its page: only the fixed files the service
wrote under reports/RUN, only by the people of the run's lab, as attachments of the right type,
and a plain 404 for one not written yet."""

from __future__ import annotations

import json

import pytest
from litestar import Litestar
from tests.migrate.test_stop import _StopAfter
from tests.migrate.world import World
from tests.web.service import LAB_A, LAB_B, client, log_in, service_world

from sceau.accounts.labs import add_member
from sceau.migrate.certificate import verify_certificate
from sceau.migrate.errors import StoppedOnRequest
from sceau.migrate.pipeline import migrate
from sceau.migrate.report import write_outcome


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Litestar, str, str]:
    """Lab A's completed run with its reports written where the service writes them, and a
    stopped run that has none yet."""
    home = tmp_path_factory.mktemp("reports")
    world, app = service_world(home / "home")
    outcome = migrate(
        world.session(), world.signed_mandate(destination=f"sqlite:///{home / 'a.db'}")
    )
    write_outcome(outcome, world.settings.home / "reports" / outcome.run_id)
    session = world.session()
    session.progress = _StopAfter(session, "load", 1)
    with pytest.raises(StoppedOnRequest) as stopped:
        migrate(session, world.signed_mandate(destination=f"sqlite:///{home / 'b.db'}"))
    assert stopped.value.run_id is not None
    add_member(world.engine, world.events, "dr.martin", LAB_A, by="admin")
    add_member(world.engine, world.events, "aud.petit", LAB_B, by="admin")
    return world, app, outcome.run_id, stopped.value.run_id


def test_the_run_page_links_its_files_and_each_downloads_as_an_attachment(reported):
    _, app, done, _ = reported
    with client(app) as browser:
        log_in(browser, "dr.martin")
        page = browser.get(f"/runs/{done}?lang=en")
        assert page.status_code == 200
        for name in ("migration.html", "migration.json", "certificate.json", "certificate.html"):
            assert f'href="/runs/{done}/files/{name}?lang=en"' in page.text
        report = browser.get(f"/runs/{done}/files/migration.json")
        assert report.status_code == 200
        assert report.headers["content-type"].startswith("application/json")
        disposition = report.headers["content-disposition"]
        assert disposition == f'attachment; filename="{done}-migration.json"'
        assert report.json()["run_id"] == done
        certificate = browser.get(f"/runs/{done}/files/certificate.json")
        verify_certificate(json.loads(certificate.content))  # signed, and the signature holds
        html = browser.get(f"/runs/{done}/files/certificate.html")
        assert html.headers["content-type"].startswith("text/html")
        assert html.headers["content-disposition"].startswith("attachment;")


def test_a_file_not_written_yet_or_not_a_runs_file_is_a_plain_404(reported):
    _, app, _, stopped = reported
    with client(app) as browser:
        log_in(browser, "dr.martin")
        page = browser.get(f"/runs/{stopped}?lang=en")
        assert 'id="no-files"' in page.text
        missing = browser.get(f"/runs/{stopped}/files/certificate.json?lang=en")
        assert missing.status_code == 404
        assert "not been written yet" in missing.text
        for name in ("state.db", "..%2F..%2Fsettings.toml", "migration.json.bak"):
            assert browser.get(f"/runs/{stopped}/files/{name}").status_code == 404


def test_another_labs_person_gets_the_run_and_its_files_as_missing(reported):
    _, app, done, _ = reported
    with client(app) as browser:
        log_in(browser, "aud.petit")
        for name in ("migration.json", "certificate.json", "nothing"):
            refused = browser.get(f"/runs/{done}/files/{name}")
            assert refused.status_code == 404
            assert "no run with this id" in refused.text
        assert browser.get("/runs/no-such-run/files/migration.json").status_code == 404
