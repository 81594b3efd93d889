"""An operator hands the service a signed mandate and the service runs it: the operator's
machine holds the mandate and its signature, nothing else."""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import time
from pathlib import Path

from tests.web.service import LAB_A, LAB_B, client, log_in, service_world

from sceau.accounts.labs import add_member
from sceau.mandate.parse import parse_mandate
from sceau.mandate.signature import signature_path
from sceau.migrate import phases
from sceau.trace.index import TraceIndex


def signed(world, home: Path) -> tuple[str, str, Path]:
    target = home / "lis.db"
    path = world.signed_mandate(destination=f"sqlite:///{target}")
    return (
        path.read_text(encoding="utf-8"),
        signature_path(path).read_text(encoding="utf-8"),
        target,
    )


def followed(browser, run_id: str) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        facts = browser.get(f"/api/runs/{run_id}").json()
        if facts["state"] in {"shredded", "failed", "stopped", "abandoned"}:
            return facts
        time.sleep(0.1)
    raise AssertionError("the run did not end")


def test_the_service_runs_a_mandate_the_operator_hands_it(tmp_path):
    world, app = service_world(tmp_path / "home")
    add_member(world.engine, world.events, "op.durand", LAB_A, by="admin")
    mandate, signature, target = signed(world, tmp_path)
    with client(app) as browser:
        log_in(browser, "op.durand")
        answer = browser.post("/api/runs", json={"mandate": mandate, "signature": signature})
        assert answer.status_code == 202, answer.text
        run_id = answer.json()["run_id"]
        facts = followed(browser, run_id)
    assert facts["state"] == "shredded"
    assert facts["operator"] == "op.durand"
    assert facts["certificate"]["reason"] == "verified"
    reports = world.home / "reports" / run_id
    assert sorted(p.name for p in reports.iterdir()) == [
        "certificate.html",
        "certificate.json",
        "migration.html",
        "migration.json",
    ]
    with sqlite3.connect(target) as connection:
        (count,) = connection.execute(
            f'SELECT count(*) FROM "{parse_mandate(mandate.encode()).destination_table}"'
        ).fetchone()
    assert count == facts["rows"]["loaded"] > 0
    started = [e for e in world.events.read(names={"run.started"})]
    assert [e.actor for e in started] == ["op.durand"]
    # the run recorded who it read in the trace index, as a run from the command line does
    (record,) = TraceIndex(world.engine, world.home / "trace").records().values()
    assert (record.kind, record.ref, record.recorded_by) == ("run", run_id, "op.durand")
    assert record.rows == world.synth.frame.height


def test_a_mandate_of_another_lab_a_changed_one_or_a_controller_is_refused(tmp_path):
    world, app = service_world(tmp_path / "home")
    add_member(world.engine, world.events, "op.durand", LAB_B, by="admin")  # not lab A
    add_member(world.engine, world.events, "dr.martin", LAB_A, by="admin")
    mandate, signature, target = signed(world, tmp_path)
    with client(app) as browser:
        log_in(browser, "op.durand")
        other = browser.post("/api/runs", json={"mandate": mandate, "signature": signature})
        assert other.status_code == 403
        assert other.json()["title"] == "this mandate is not of one of your labs"
    add_member(world.engine, world.events, "op.durand", LAB_A, by="admin")
    changed = mandate.replace("retention_days = ", "retention_days = 1")  # one byte more
    with client(app) as browser:
        log_in(browser, "op.durand")
        refused = browser.post("/api/runs", json={"mandate": changed, "signature": signature})
        assert refused.status_code in {400, 403, 409, 422}, refused.text
        assert refused.json()["title"] == "the mandate was changed after signing"
    with client(app) as browser:
        log_in(browser, "dr.martin")  # a controller signs; an operator migrates
        denied = browser.post("/api/runs", json={"mandate": mandate, "signature": signature})
        assert denied.status_code == 403
    assert not target.exists()
    assert not list(world.events.read(names={"run.started"}))


def test_a_handed_mandate_is_kept_only_once_its_signature_checks(tmp_path):
    world, app = service_world(tmp_path / "home")
    add_member(world.engine, world.events, "op.durand", LAB_A, by="admin")
    mandate, signature, target = signed(world, tmp_path)
    kept = world.home / "mandates"
    changed = mandate.replace("retention_days = ", "retention_days = 1")
    document = json.loads(signature)
    document["signature"] = base64.b64encode(bytes(64)).decode()  # well formed, not the signer's
    forged = json.dumps(document)
    with client(app) as browser:
        log_in(browser, "op.durand")
        for body, sig, title in (
            (changed, signature, "the mandate was changed after signing"),
            (mandate, "{}", "the signature file is malformed"),
            (mandate, forged, "the signature does not match the mandate"),
        ):
            refused = browser.post("/api/runs", json={"mandate": body, "signature": sig})
            assert refused.json()["title"] == title, refused.text
            assert not kept.exists() or not list(kept.iterdir())  # nothing written
    refusals = [e.get("reason") for e in world.events.read(names={"mandate.refused"})]
    assert refusals == ["changed", "malformed", "bad-signature"]
    assert not target.exists()


class Kept(logging.Handler):
    """The records of one logger, whatever the service's start did to the root's handlers."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_run_that_fails_after_its_request_answered_is_logged_noted_and_alerted(
    tmp_path, monkeypatch
):
    world, app = service_world(tmp_path / "home")
    add_member(world.engine, world.events, "op.durand", LAB_A, by="admin")
    mandate, signature, _ = signed(world, tmp_path)

    def broken_load(*_args, **_kwargs):  # a bug in the load, carrying a value it read
        raise KeyError("Dupont Marie 1 85 03 75 123 456 78")

    monkeypatch.setattr(phases, "load", broken_load)
    kept = Kept()
    monkeypatch.setattr(logging.getLogger("sceau.web.migrations"), "handlers", [kept])
    with client(app) as browser:
        log_in(browser, "op.durand")
        answer = browser.post("/api/runs", json={"mandate": mandate, "signature": signature})
        assert answer.status_code == 202, answer.text
        run_id = answer.json()["run_id"]
        deadline = time.monotonic() + 60
        while not (facts := browser.get(f"/api/runs/{run_id}").json())["error"]:
            assert time.monotonic() < deadline, "the failure was never noted"
            time.sleep(0.05)
    assert facts["error"] == "an error (KeyError)"
    assert facts["state"] == "loading"
    assert facts["interrupted"] is True  # resumable where it stands
    stopped = [e for e in world.events.read(names={"run.stopped"}) if e.get("run_id") == run_id]
    assert [e.get("reason") for e in stopped] == ["stopped while loading: an error (KeyError)"]
    assert kept.messages == [f"the run {run_id} at the service stopped: an error (KeyError)"]
