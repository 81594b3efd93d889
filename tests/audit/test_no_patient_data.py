"""The audit trail of a whole migration holds no patient's value: not in any stored entry nor
checkpoint, not in what ``sceau audit export`` and ``sceau audit tail`` print."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.migrate.world import CHEAP, PASSWORD, World, cli_world

from sceau.accounts import login
from sceau.cli import main


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    for name in ("SCEAU_STORE_URL", "SCEAU_CONFIG", "SCEAU_AUDIT_EXPORT"):
        monkeypatch.delenv(name, raising=False)
    return cli_world(tmp_path / "home", monkeypatch)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def needles(world: World) -> list[str]:
    """Every synthetic patient's NIR (as written and without spaces), surname, first name,
    e-mail and phone; names of three letters or fewer are left out, as words of our own
    could contain them."""
    frame = world.synth.frame
    found: set[str] = set()
    for column in ("N_SS", "NOM_PAT", "PRENOM_PAT", "MAIL_PAT", "TEL1"):
        for value in frame[column].drop_nulls().to_list():
            found.update(v for v in (value, value.replace(" ", "")) if len(v) > 3)
    return sorted(found)


def stored(world: World) -> bytes:
    """Every entry and checkpoint of the trail, as the state store's file holds them."""
    with contextlib.closing(sqlite3.connect(world.home / "state.db")) as connection:
        entries = connection.execute("SELECT name, entry FROM audit_entries").fetchall()
        checkpoints = connection.execute("SELECT body, signature FROM audit_checkpoints").fetchall()
    return b"\n".join(
        [str(name).encode() + b" " + bytes(entry) for name, entry in entries]
        + [f"{body} {signature}".encode() for body, signature in checkpoints]
    )


def test_no_patient_value_reaches_the_trail_its_export_or_its_tail(
    world: World, tmp_path: Path
) -> None:
    login(world.settings, world.engine, world.events, "op.durand", PASSWORD, params=CHEAP)
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    migrated = run("migrate", str(mandate), "--reports", str(tmp_path / "reports"))
    assert migrated.exit_code == 0, migrated.output
    login(world.settings, world.engine, world.events, "dr.martin", PASSWORD, params=CHEAP)

    exported = run("audit", "export")
    tail = run("audit", "tail", "-n", "100000")
    assert exported.exit_code == 0, exported.output
    assert tail.exit_code == 0, tail.output
    trail = stored(world)
    for name in ("run.started", "run.batch_loaded", "run.verified", "run.shredded"):
        assert name.encode() in trail  # the run's whole story is there…
        assert name in tail.output
    assert len(tail.output.splitlines()) == world.events.size()
    assert len(exported.stdout_bytes.splitlines()) == world.events.size()

    searched = {
        "stored": trail.decode(),
        "export": exported.stdout_bytes.decode(),
        "tail": tail.output,
    }
    words = needles(world)
    assert len(words) > 1000
    for where, text in searched.items():  # …and nobody's value
        leaked = [word for word in words if word in text]
        assert not leaked, f"{len(leaked)} patient values in the {where} output"
