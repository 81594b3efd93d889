"""``sceau audit witness`` as the lab meets it: on its own machine with files from the service,
and beside a local state store, where what it decides is recorded in the trail."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from tests.cli.test_audit_cli import (
    add_users,
    as_user,
    last_event,
    run,
    store,
)

from sceau.audit.proof import make_consistency
from sceau.audit.sink import AuditLog
from sceau.events import LoginSucceeded


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installation on SQLite with one account of each role; checkpoints every 3 entries."""
    for name in [n for n in os.environ if n.startswith("SCEAU_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCEAU_AUDIT_CHECKPOINT_EVERY", "3")
    add_users()
    return tmp_path / "home"


def service_key() -> str:
    with store() as (_, _engine, events):
        return str(events.verifier)


def grow(count: int) -> AuditLog:
    with store() as (_, _engine, events):
        for _ in range(count):
            events.record(LoginSucceeded(actor="op.durand", user="op.durand"))
        events.checkpoint()
        return events


def proof(tmp_path: Path, old: int, new: int | None = None) -> Path:
    """What the service hands the lab: ``sceau audit prove-consistency OLD NEW``."""
    with store() as (_, _engine, events):
        newest = new or events.checkpoints()[-1].number
        text = make_consistency(events, old, newest)
    path = tmp_path / f"proof-{old}-{newest}.txt"
    path.write_text(text)
    return path


def first_note(tmp_path: Path) -> Path:
    with store() as (_, _engine, events):
        path = tmp_path / "first.txt"
        path.write_text(events.checkpoints()[0].note)
    return path


def test_the_lab_follows_the_trail_from_files_without_store_or_login(
    home: Path, tmp_path: Path
) -> None:
    lab = tmp_path / "lab"
    made = run("audit", "witness", "init", "--state", str(lab), "--log-key", service_key())
    assert made.exit_code == 0, made.output
    assert "Witness fingerprint (SHA-256): " in made.output
    assert stat.S_IMODE(lab.stat().st_mode) == 0o700

    first = run("audit", "witness", "check", str(first_note(tmp_path)), "--state", str(lab))
    assert first.exit_code == 0, first.output
    grow(7)
    out = tmp_path / "cosigned.txt"
    checked = run(
        "audit", "witness", "check", str(proof(tmp_path, 1)), "--state", str(lab), "--out", str(out)
    )
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("Cosigned: the trail of ")
    assert out.read_text().count("\u2014 ") == 2  # the log's signature and the witness's

    status = run("audit", "witness", "status", "--state", str(lab), "--json")
    facts = json.loads(status.output)
    with store() as (_, _engine, events):
        newest = events.checkpoints()[-1]
    assert (facts["size"], facts["checkpoint"], facts["refused"]) == (newest.size, newest.number, 0)
    assert facts["log_key"] == service_key()
    plain = run("audit", "witness", "status", "--state", str(lab))
    assert f"Holds checkpoint {newest.number}, {newest.size} entries" in plain.output


def test_a_rewritten_trail_is_refused_with_exit_status_1(home: Path, tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    run("audit", "witness", "init", "--state", str(lab), "--log-key", service_key())
    assert (
        run("audit", "witness", "check", str(first_note(tmp_path)), "--state", str(lab)).exit_code
        == 0
    )
    grow(6)
    assert (
        run("audit", "witness", "check", str(proof(tmp_path, 1)), "--state", str(lab)).exit_code
        == 0
    )
    held = json.loads(run("audit", "witness", "status", "--state", str(lab), "--json").output)
    grow(4)
    with sqlite3.connect(home / "state.db") as connection:  # an early entry, gone
        connection.execute("DELETE FROM audit_entries WHERE seq = 2")
    refused = run(
        "audit", "witness", "check", str(proof(tmp_path, held["checkpoint"])), "--state", str(lab)
    )
    assert refused.exit_code == 1, refused.output
    assert "REFUSED (bad-proof): bad proof: the trail of" in refused.output
    assert "The witness still holds its last accepted checkpoint" in refused.output
    after = json.loads(run("audit", "witness", "status", "--state", str(lab), "--json").output)
    assert (after["size"], after["refused"]) == (held["size"], 1)


def test_beside_the_store_the_check_takes_the_trail_itself_and_is_recorded(
    home: Path, tmp_path: Path
) -> None:
    as_user("dr.martin")
    lab = tmp_path / "lab"
    made = run("audit", "witness", "init", "--state", str(lab))  # the local audit key
    assert made.exit_code == 0, made.output
    assert service_key() in made.output
    checked = run("audit", "witness", "check", "--state", str(lab))
    assert checked.exit_code == 0, checked.output
    event = last_event()
    assert event["name"] == "audit.witness_cosigned"
    assert (event["actor"], event["previous_size"]) == ("dr.martin", 0)
    assert "Witnessed by sceau.witness/" in run("audit", "verify").output  # kept at once

    grow(4)
    with sqlite3.connect(home / "state.db") as connection:  # an early entry, gone
        connection.execute("DELETE FROM audit_entries WHERE seq = 2")
    refused = run("audit", "witness", "check", "--state", str(lab))
    assert refused.exit_code == 1, refused.output
    assert "REFUSED (bad-proof)" in refused.output
    event = last_event()
    assert (event["name"], event["caught"], event["actor"]) == (
        "audit.witness_refused",
        "bad-proof",
        "dr.martin",
    )


def test_bad_input_is_a_clear_error_not_a_traceback(home: Path, tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    garbled = tmp_path / "garbled.txt"
    garbled.write_text("old 1\nnot base64\n\nnothing\n")
    missing = run("audit", "witness", "check", str(garbled), "--state", str(lab))
    assert missing.exit_code == 2
    assert "there is no witness here" in missing.output
    run("audit", "witness", "init", "--state", str(lab), "--log-key", service_key())
    bad = run("audit", "witness", "check", str(garbled), "--state", str(lab))
    assert bad.exit_code == 2
    assert "this is not a checkpoint with its consistency proof" in bad.output
    assert str(garbled) in bad.output
    assert "Traceback" not in bad.output
    wrong = run("audit", "witness", "init", "--state", str(tmp_path / "x"), "--log-key", "nope")
    assert wrong.exit_code == 2
    assert "this is not a verifier key" in wrong.output
    key_file = tmp_path / "audit-key.txt"
    key_file.write_text(service_key() + "\n")
    both = run(
        "audit",
        "witness",
        "init",
        "--state",
        str(tmp_path / "y"),
        "--log-key-file",
        str(key_file),
        "--log-key",
        service_key(),
    )
    assert both.exit_code == 2
    assert "give --log-key or --log-key-file, not both" in both.output
    from_file = run(
        "audit", "witness", "init", "--state", str(tmp_path / "y"), "--log-key-file", str(key_file)
    )
    assert from_file.exit_code == 0, from_file.output
    assert f"audit key {service_key()}" in from_file.output
    (lab / "state.json").write_text("{}")
    damaged = run("audit", "witness", "status", "--state", str(lab))
    assert damaged.exit_code == 2
    assert "cannot read the witness (not a witness state)" in damaged.output


def test_the_service_records_the_labs_cosignature_and_verify_shows_it(
    home: Path, tmp_path: Path
) -> None:
    lab = tmp_path / "lab"
    made = run("audit", "witness", "init", "--state", str(lab), "--log-key", service_key())
    witness_key = json.loads(
        run("audit", "witness", "status", "--state", str(lab), "--json").output
    )["witness_key"]
    assert witness_key in made.output
    cosigned = tmp_path / "cosigned.txt"
    first = first_note(tmp_path)
    assert (
        run(
            "audit", "witness", "check", str(first), "--state", str(lab), "--out", str(cosigned)
        ).exit_code
        == 0
    )

    as_user("admin")
    recorded = run("audit", "witness", "record", str(cosigned), "--witness-key", witness_key)
    assert recorded.exit_code == 0, recorded.output
    assert recorded.output.startswith("Recorded: the witness sceau.witness/")
    assert last_event()["name"] == "audit.cosignature_recorded"
    verified = run("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "Witnessed by sceau.witness/" in verified.output
    assert ": entries 0 to 0 (checkpoint 1), cosigned " in verified.output

    wrong = run("audit", "witness", "record", str(first), "--witness-key", witness_key)
    assert wrong.exit_code == 2
    assert "the checkpoint carries no cosignature by the witness" in wrong.output
