"""The audit routes give what a witness and an auditor check with sceau's own checkers (and the
proofs hold); an entry about another lab's run is not shown to its people."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.migrate.world import World
from tests.web.service import BASE, LAB_A, LAB_B, client, log_in, service_world

from sceau.accounts.labs import add_member
from sceau.audit.checkpoint import Checkpoint
from sceau.audit.proof import check_consistency, check_proof
from sceau.errors import SceauError
from sceau.migrate.pipeline import migrate
from sceau.web import create_app


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[World, Litestar, str]:
    home = tmp_path_factory.mktemp("audit")
    world, app = service_world(home / "home")
    world.events.checkpoint()
    run_id = migrate(
        world.session(), world.signed_mandate(destination=f"sqlite:///{home / 'lis.db'}")
    ).run_id
    world.events.checkpoint()
    add_member(world.engine, world.events, "dr.martin", LAB_A, by="admin")
    add_member(world.engine, world.events, "aud.petit", LAB_B, by="admin")
    return world, app, run_id


def test_the_checkpoint_and_a_consistency_proof_check_with_the_audit_key(audited):
    world, app, _ = audited
    with client(app) as browser:
        log_in(browser, "aud.petit")
        note = browser.get("/api/audit/checkpoint")
        assert note.headers["content-type"].startswith("text/plain")
        latest = Checkpoint.from_note(note.text.removesuffix("\n"))
        assert latest.problem(world.events.key.public_bytes) is None
        proof = browser.get(f"/api/audit/consistency?old=1&new={latest.number}")
        assert proof.status_code == 200, proof.text
    old, new = check_consistency(proof.text.removesuffix("\n"), verifier=world.events.verifier)
    assert (old.number, new.number) == (1, latest.number)


def test_an_inclusion_proof_holds_and_is_shown_only_to_the_labs_it_concerns(audited):
    world, app, run_id = audited
    started = next(e for e in world.events.read(names={"run.started"}) if e.get("run_id") == run_id)
    with client(app) as browser:
        log_in(browser, "dr.martin")
        proof = browser.get(f"/api/audit/proof/{started.seq}")
        assert proof.status_code == 200, proof.text
        event, _ = check_proof(proof.text.removesuffix("\n"), verifier=world.events.verifier)
        assert event.name == "run.started"
        installation = browser.get("/api/audit/proof/0")  # the first admin's creation
        assert installation.status_code == 200
    with client(app) as browser:
        log_in(browser, "aud.petit")
        assert browser.get(f"/api/audit/proof/{started.seq}").status_code == 404


def test_verify_runs_at_the_service_and_is_recorded(audited):
    world, app, _ = audited
    with client(app) as browser:
        log_in(browser, "aud.petit")
        done = browser.post("/api/audit/verify")
        assert done.status_code == 200, done.text
        assert done.json()["intact"] is True
        assert done.json()["size"] > 0
    (verified,) = [e for e in world.events.read(names={"audit.verified"})]
    assert verified.actor == "aud.petit"


def test_supervision_runs_inside_the_service_and_stops_with_it(tmp_path: Path):
    world, _ = service_world(tmp_path / "home")
    settings = replace(world.settings, supervise_seconds=1)
    app = create_app(settings, engine=world.engine, log=world.events)
    service = app.state.service
    with TestClient(app, base_url=BASE) as browser:
        assert browser.get("/health").status_code == 200
        deadline = time.monotonic() + 30
        while service.rounds < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert service.rounds >= 2
    stopped_at = service.rounds
    time.sleep(1.5)
    assert service.rounds == stopped_at  # shut down with the service
    assert world.events.checkpoints()  # a round signs a checkpoint when the trail grew


def test_a_wrong_escalation_policy_stops_the_start_with_its_own_error(tmp_path: Path):
    world, _ = service_world(tmp_path / "home")
    policy = {"tiers": [{"name": "on-call", "ack_minutes": 15, "notify": ["webhook:soc"]}]}
    with pytest.raises(SceauError, match="webhook"):
        create_app(replace(world.settings, alerts=policy), engine=world.engine, log=world.events)
