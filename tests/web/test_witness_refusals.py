"""A refusal seen by the lab's witness reaches the service, where it raises an alert that
escalates: the witness is the only one who sees a trail rolled back or forked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import delete
from tests.migrate.world import PASSWORD
from tests.web.service import BASE, client, log_in, remote_to, service_world

from sceau.audit.witness import Witness
from sceau.cli.witness import _check_with_service
from sceau.events import LoginSucceeded
from sceau.store.schema import audit_checkpoints
from sceau.web.supervision import supervisor_for


def test_a_rollback_the_witness_refuses_is_recorded_and_alerted_at_the_service(tmp_path: Path):
    world, app = service_world(tmp_path / "home")
    service = app.state.service
    lab = tmp_path / "lab-witness"
    Witness.create(lab, log=world.events.verifier, name="lab.example/witness")
    laptop = replace(world.settings, server=BASE, home=tmp_path / "laptop")
    world.events.checkpoint()
    with remote_to(app, laptop) as remote:
        remote.login("dr.martin", PASSWORD, lambda: "")
        _check_with_service(Witness(lab), remote, None)  # cosigned: the lab holds the newest
    held = Witness(lab).state().size
    world.events.record(LoginSucceeded(actor="admin", user="admin"))
    world.events.checkpoint()
    with remote_to(app, laptop) as remote:
        _check_with_service(Witness(lab), remote, None)
    assert Witness(lab).state().size > held
    with world.engine.begin() as connection:  # a store writer takes the newest one away
        newest = max(c.number for c in world.events.checkpoints())
        connection.execute(delete(audit_checkpoints).where(audit_checkpoints.c.number == newest))
    with remote_to(app, laptop) as remote, pytest.raises(SystemExit) as refused:
        _check_with_service(Witness(lab), remote, None)
    assert refused.value.code == 1
    (event,) = world.events.read(names={"audit.witness_refused"})
    assert event.actor == "dr.martin"
    assert event.get("caught") == "rollback"
    assert event.get("witness") == "lab.example/witness"
    done = supervisor_for(service).round()
    (alert,) = [a for a in done.raised if a.rule == "audit-verification"]
    assert "lab.example/witness (rollback)" in alert.summary


def test_a_refusal_report_is_checked_and_needs_audit_read(tmp_path: Path):
    world, app = service_world(tmp_path / "home")
    report = {"witness": "lab.example/witness", "origin": "o", "size": 3, "caught": "fork"}
    with client(app) as browser:
        log_in(browser, "op.durand")  # an operator does not read the audit trail
        assert browser.post("/api/audit/witness/refusals", json=report).status_code == 403
    with client(app) as browser:
        log_in(browser, "aud.petit")
        for wrong in ({"caught": "bored"}, {"witness": "a\nb"}, {"size": -1}):
            answer = browser.post("/api/audit/witness/refusals", json={**report, **wrong})
            assert answer.status_code == 400, answer.text
        assert browser.post("/api/audit/witness/refusals", json=report).status_code == 201
    caught = [e.get("caught") for e in world.events.read(names={"audit.witness_refused"})]
    assert caught == ["fork"]
