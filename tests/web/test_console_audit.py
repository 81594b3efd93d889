"""The audit trail in the console and its JSON twin: the search filters, pages newest first by
position, shows only what the person's labs may see; one entry with its proof, downloaded and
checked offline by `sceau audit check-proof`; how far the lab's witness vouches for the trail."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar import Litestar
from tests.migrate.world import World
from tests.web.service import LAB_A, LAB_B, client, log_in, service_world

from sceau.accounts.labs import add_member
from sceau.audit.cosigned import record_cosignature
from sceau.audit.proof import check_proof
from sceau.audit.witness import Witness, request_from_log
from sceau.cli.audit import audit
from sceau.migrate.pipeline import migrate


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Litestar, str]:
    """Lab A's completed run, the world's people in their labs, and a witness's cosignature."""
    home = tmp_path_factory.mktemp("trail")
    world, app = service_world(home / "home")
    run_id = migrate(
        world.session(), world.signed_mandate(destination=f"sqlite:///{home / 'lis.db'}")
    ).run_id
    add_member(world.engine, world.events, "dr.martin", LAB_A, by="admin")
    add_member(world.engine, world.events, "aud.petit", LAB_B, by="admin")
    world.events.checkpoint()
    Witness.create(home / "witness", log=world.events.verifier, name="lab.example/witness")
    witness = Witness(home / "witness")
    accepted = witness.add_checkpoint(request_from_log(world.events, 0))
    record_cosignature(world.events, accepted.note, witness.state().cosigner)
    return world, app, run_id


def _api(browser, **query):
    answer = browser.get("/api/audit/entries", params=query)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_search_by_event_gives_only_that_event_newest_first_and_pages_by_position(trail):
    world, app, run_id = trail
    staged = [e.seq for e in world.events.read(names={"run.batch_staged"})]
    assert len(staged) >= 2
    with client(app) as browser:
        log_in(browser, "dr.martin")
        first = _api(browser, event="run.batch_staged", limit=1)
        assert [e["seq"] for e in first["entries"]] == [staged[-1]]
        assert first["entries"][0]["facts"]["run_id"] == run_id
        seen, page = [], first
        while True:
            seen += [e["seq"] for e in page["entries"]]
            if page["next"] is None:
                break
            page = _api(browser, event="run.batch_staged", limit=1, before=page["next"])
        assert seen == sorted(staged, reverse=True)
        shown = browser.get("/audit/entries", params={"event": "run.batch_staged"})
        assert shown.status_code == 200
        assert shown.text.count("<code>run.batch_staged</code>") == len(staged)
        assert 'value="run.batch_staged" selected' in shown.text


def test_filters_by_run_actor_and_time_give_the_right_entries(trail):
    world, app, run_id = trail
    about_run = sorted(
        (e.seq for e in world.events.read() if e.get("run_id") == run_id), reverse=True
    )
    by_admin = sorted((e.seq for e in world.events.read() if e.actor == "admin"), reverse=True)
    everything = list(world.events.read())
    with client(app) as browser:
        log_in(browser, "dr.martin")
        found = _api(browser, run=run_id, limit=200)
        assert [e["seq"] for e in found["entries"]] == about_run
        assert [e["seq"] for e in _api(browser, actor="admin", limit=200)["entries"]] == by_admin
        middle = everything[len(everything) // 2].at
        since = _api(browser, since=middle.isoformat(), limit=200)["entries"]
        assert since
        assert all(e["at"] >= middle.isoformat() for e in since)
        later = (everything[-1].at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        assert _api(browser, since=later)["entries"] == []
        earlier = (everything[0].at - timedelta(days=1)).strftime("%Y-%m-%d")
        assert _api(browser, until=earlier)["entries"] == []


def test_another_labs_auditor_sees_none_of_the_runs_entries_and_a_missing_entry(trail):
    world, app, run_id = trail
    started = next(e for e in world.events.read(names={"run.started"}))
    with client(app) as browser:
        log_in(browser, "aud.petit")
        assert _api(browser, run=run_id)["entries"] == []
        everything = _api(browser, limit=200)["entries"]
        assert everything
        assert all("run_id" not in e["facts"] for e in everything)
        assert "mandate_sha256" not in str([e["facts"] for e in everything])
        for path in (f"/audit/entries/{started.seq}", f"/audit/entries/{started.seq}/proof"):
            missing = browser.get(path)
            assert missing.status_code == 404
            assert missing.headers["content-type"].startswith("text/html")


def test_the_operator_and_anonymous_are_refused_the_trail(trail):
    _, app, _ = trail
    with client(app) as browser:
        assert browser.get("/audit/entries").status_code == 401
        log_in(browser, "op.durand")
        assert browser.get("/audit/entries").status_code == 403
        assert browser.get("/api/audit/entries").status_code == 403
        assert browser.get("/audit/entries/0").status_code == 403


def test_a_wrong_filter_is_a_plain_refusal(trail):
    _, app, _ = trail
    with client(app) as browser:
        log_in(browser, "dr.martin")
        for query in (
            {"event": "no.such.event"},
            {"since": "yesterday"},
            {"limit": "0"},
            {"limit": "1000"},
            {"actor": "x" * 300},
            {"before": str(2**63)},
            {"since": "0001-01-01T00:00+01:00"},
        ):
            refused = browser.get("/api/audit/entries", params=query)
            assert refused.status_code == 400, query
            assert "Traceback" not in refused.text
        page = browser.get("/audit/entries", params={"since": "31/12/2026"})
        assert page.status_code == 400
        assert "2026-03-31" in page.text  # the hint says how to write a date


def test_an_entry_shows_its_hash_and_its_proof_which_checks_offline(trail, tmp_path: Path):
    world, app, run_id = trail
    started = next(e for e in world.events.read(names={"run.started"}))
    with client(app) as browser:
        log_in(browser, "dr.martin")
        shown = browser.get(f"/audit/entries/{started.seq}?lang=fr")
        assert shown.status_code == 200
        assert "Télécharger la preuve" in shown.text
        assert run_id in shown.text
        assert 'id="leaf-hash"' in shown.text
        downloaded = browser.get(f"/audit/entries/{started.seq}/proof")
    assert downloaded.status_code == 200
    disposition = downloaded.headers["content-disposition"]
    assert disposition == f'attachment; filename="sceau-entry-{started.seq}.tlog-proof"'
    assert downloaded.headers["content-type"].startswith("text/plain")
    event, _ = check_proof(downloaded.text, verifier=world.events.verifier)
    assert event.seq == started.seq
    path = tmp_path / "entry.proof"
    path.write_bytes(downloaded.content)
    checked = CliRunner().invoke(
        audit, ["check-proof", str(path), "--key", str(world.events.verifier)]
    )
    assert checked.exit_code == 0, checked.output
    assert f"Included: entry {started.seq} (run.started" in checked.output


def test_the_audit_page_says_how_far_the_witness_vouches(trail):
    world, app, _ = trail
    cosigned = world.events.checkpoints()[-1]
    with client(app) as browser:
        log_in(browser, "aud.petit")
        page = browser.get("/audit?lang=en")
    assert page.status_code == 200
    assert f"lab.example/witness vouches for the trail up to entry {cosigned.size - 1}" in page.text
    assert 'id="cosignatures"' in page.text
    assert 'href="/audit/entries?lang=en"' in page.text
