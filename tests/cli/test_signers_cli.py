"""Signer keys through the real CLI: the security review's attacks, played as the insider would
(an operator with a shell and the state store's password), each refused before a row moves."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, update
from tests.migrate.world import CHEAP, PASSPHRASE, PASSWORD, World, cli_world

from sceau.accounts import Role, add_user, login
from sceau.cli import main
from sceau.crypto import signing
from sceau.mandate.signature import (
    MandateSignature,
    signature_document,
    signature_path,
    signed_message,
)
from sceau.mandate.signers import list_signers
from sceau.store.schema import signers

GROUPED = r"(?:[0-9a-f]{4} ){15}[0-9a-f]{4}"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    made = cli_world(tmp_path / "home", monkeypatch, patients=200)
    monkeypatch.setenv("SCEAU_SIGNER_PASSPHRASE", PASSPHRASE)
    add_user(
        made.engine, made.events, "dr.lefort", Role.CONTROLLER, PASSWORD, by="admin", params=CHEAP
    )
    return made


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def as_user(world: World, name: str) -> None:
    login(world.settings, world.engine, world.events, name, PASSWORD, params=CHEAP)


def trail(world: World) -> list:
    return list(world.events.read())


def forge(path: Path, key: signing.PrivateKey, name: str) -> None:
    """A signature written by hand with the insider's key, claiming ``name``."""
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    fingerprint = signing.fingerprint(signing.public_bytes(key))
    at = "2026-12-01T09:00:00+00:00"
    message = signed_message(digest, "lab-a-to-new-lis", name, fingerprint, at)
    signed = MandateSignature(
        "lab-a-to-new-lis",
        digest,
        name,
        fingerprint,
        at,
        signing.sign(key, signing.MANDATE, message),
    )
    signature_path(path).write_text(signature_document(signed), encoding="utf-8")


def test_a_signer_smuggled_into_the_store_cannot_move_a_row(world: World, tmp_path: Path):
    """The review's attack: the operator registers their own key under the controller's name
    by writing to the signers table, signs a mandate that keeps the NIRs in clear, migrates."""
    insider = signing.generate()
    public = signing.public_bytes(insider)
    with world.engine.begin() as connection:
        connection.execute(
            insert(signers).values(
                fingerprint=signing.fingerprint(public),
                name="dr.martin",
                user="dr.martin",
                public_key=public,
                created_at=list_signers(world.engine)[0].created_at,
            )
        )
    target = tmp_path / "lis.db"
    mandate = tmp_path / "keep-nir.toml"
    rules = {"NUM_DOSSIER": "keep", "N_SS": "keep", "NOM_PAT": "keep", "DT_DERN_VISITE": "keep"}
    mandate.write_text(world.mandate_text(destination=f"sqlite:///{target}", rules=rules))
    forge(mandate, insider, "dr.martin")

    as_user(world, "op.durand")
    verified = run("mandate", "verify", str(mandate))
    assert verified.exit_code == 2
    assert "registered outside sceau" in verified.output
    migrated = run("migrate", str(mandate))
    assert migrated.exit_code == 2
    assert "registered outside sceau" in migrated.output
    assert "Traceback" not in migrated.output
    assert not target.exists()  # not a row loaded, not even a table created
    assert "run.started" not in world.events.names()
    refused = [e for e in trail(world) if e.name == "mandate.refused"]
    assert [(e.actor, e.get("reason")) for e in refused] == [
        ("op.durand", "unproven-signer"),
        ("op.durand", "unproven-signer"),
    ]
    # and the security team hears of it
    as_user(world, "admin")
    assert run("alerts", "run", "--once").exit_code == 0
    listed = json.loads(run("alerts", "list", "--json").output)
    assert {"beyond-mandate", "failed-auth"} & {alert["rule"] for alert in listed}
    assert any("registered outside sceau" in alert["summary"] for alert in listed)
    # `keys signers` shows the smuggled key for what it is
    shown = run("keys", "signers").output
    assert "REFUSED: registered outside sceau" in shown
    assert re.search(rf"^dr\.martin  key {GROUPED}  created .*  active", shown, re.M)
    smuggled = run("keys", "signers", "--export", signing.fingerprint(public))
    assert smuggled.exit_code == 2
    assert "BEGIN PUBLIC KEY" not in smuggled.output
    assert "registered outside sceau" in smuggled.output


def test_a_key_cannot_be_named_after_someone_else(world: World):
    as_user(world, "dr.lefort")
    named = run("keys", "new-signer", "dr.martin", input=f"{PASSWORD}\n")
    assert named.exit_code == 2
    assert "carries its owner's account name" in named.output
    assert not list((world.home / "signers").glob("dr.lefort*"))
    created = run("keys", "new-signer", input=f"{PASSWORD}\n")
    assert created.exit_code == 0, created.output
    assert "Created a signer key for dr.lefort." in created.output
    owners = {s.fingerprint: (s.name, s.user) for s in list_signers(world.engine)}
    assert sorted(owners.values()) == [("dr.lefort", "dr.lefort"), ("dr.martin", "dr.martin")]
    # nor can an operator make one at all
    as_user(world, "op.durand")
    denied = run("keys", "new-signer", input=f"{PASSWORD}\n")
    assert denied.exit_code == 2
    assert "needs the controller role" in denied.output


def test_registering_a_key_asks_the_password_again(world: World):
    as_user(world, "dr.lefort")
    before = len(list_signers(world.engine))
    wrong = run("keys", "new-signer", input="not my password\n")
    assert wrong.exit_code == 2
    assert "the password is not dr.lefort's" in wrong.output
    assert "not my password" not in wrong.output
    assert len(list_signers(world.engine)) == before
    last = trail(world)[-1]
    assert (last.name, last.actor, last.get("kind")) == ("mfa.failed", "dr.lefort", "password")
    assert last.get("reason") == "wrong password"
    piped = run("keys", "new-signer", "--password-stdin", input=f"{PASSWORD}\n")
    assert piped.exit_code == 0, piped.output
    registered = trail(world)[-1]
    assert (registered.name, registered.actor, registered.get("account")) == (
        "signer.created",
        "dr.lefort",
        "dr.lefort",
    )
    assert len(registered.get("public_key")) == 44  # 32 bytes, base64


def test_a_revoked_key_signs_nothing_any_more(world: World, tmp_path: Path):
    target = tmp_path / "lis.db"
    mandate = world.signed_mandate(destination=f"sqlite:///{target}")
    (martin,) = list_signers(world.engine)
    as_user(world, "op.durand")
    assert run("mandate", "verify", str(mandate)).exit_code == 0
    denied = run(
        "keys", "revoke", martin.fingerprint, "--reason", "mine now", input=f"{PASSWORD}\n"
    )
    assert denied.exit_code == 2
    assert "needs the controller or admin role" in denied.output

    as_user(world, "dr.lefort")  # another controller: not their key
    other = run("keys", "revoke", martin.fingerprint, "--reason", "x", input=f"{PASSWORD}\n")
    assert other.exit_code == 2
    assert "only the key's owner or an admin" in other.output

    as_user(world, "dr.martin")
    shown = run("keys", "signers").output
    grouped = re.search(rf"key ({GROUPED})", shown).group(1)
    revoked = run("keys", "revoke", grouped, "--reason", "laptop stolen", input=f"{PASSWORD}\n")
    assert revoked.exit_code == 0, revoked.output
    assert f"Revoked dr.martin's key {grouped}." in revoked.output
    assert re.search(r"REVOKED \d{4}-\d\d-\d\d by dr\.martin", run("keys", "signers").output)
    exported = run("keys", "signers", "--export", martin.fingerprint)  # for history's checks
    assert exported.exit_code == 0
    assert "BEGIN PUBLIC KEY" in exported.output
    assert "Warning: the signer's key was revoked" in exported.output
    last = trail(world)[-1]
    assert (last.name, last.get("fingerprint"), last.get("reason")) == (
        "signer.revoked",
        martin.fingerprint,
        "laptop stolen",
    )

    as_user(world, "op.durand")
    migrated = run("migrate", str(mandate))  # signed before the revocation: refused all the same
    assert migrated.exit_code == 2
    assert "revoked" in migrated.output
    assert not target.exists()
    assert [e.get("reason") for e in trail(world) if e.name == "mandate.refused"] == [
        "revoked-signer"
    ]


def test_an_admin_revokes_any_key(world: World):
    (martin,) = list_signers(world.engine)
    as_user(world, "admin")
    done = run(
        "keys", "revoke", martin.fingerprint, "--reason", "left the lab", input=f"{PASSWORD}\n"
    )
    assert done.exit_code == 0, done.output
    assert trail(world)[-1].actor == "admin"


def test_a_public_key_swapped_in_the_table_is_refused(world: World, tmp_path: Path):
    """The insider keeps the controller's fingerprint and puts their own public key in its row."""
    target = tmp_path / "lis.db"
    mandate = tmp_path / "m.toml"
    mandate.write_text(world.mandate_text(destination=f"sqlite:///{target}"))
    (martin,) = list_signers(world.engine)
    insider = signing.generate()
    with world.engine.begin() as connection:
        connection.execute(update(signers).values(public_key=signing.public_bytes(insider)))
    body = mandate.read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    at = "2026-12-01T09:00:00+00:00"
    message = signed_message(digest, "lab-a-to-new-lis", "dr.martin", martin.fingerprint, at)
    signature = signing.sign(insider, signing.MANDATE, message)
    signed = MandateSignature(
        "lab-a-to-new-lis", digest, "dr.martin", martin.fingerprint, at, signature
    )
    signature_path(mandate).write_text(signature_document(signed))
    as_user(world, "op.durand")
    migrated = run("migrate", str(mandate))
    assert migrated.exit_code == 2
    assert "disagree" in migrated.output
    assert not target.exists()
    assert trail(world)[-1].get("reason") == "signer-mismatch"


def test_the_trail_is_checked_once_per_migration(world: World, tmp_path: Path, monkeypatch):
    """Proving the keys replays the whole trail: a run does it once, not batch by batch."""
    from sceau.audit import proven

    calls = []
    real = proven.verify_log
    monkeypatch.setattr(proven, "verify_log", lambda *a, **k: calls.append(1) or real(*a, **k))
    monkeypatch.setenv("SCEAU_BATCH_ROWS", "50")
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    as_user(world, "op.durand")
    migrated = run("migrate", str(mandate))
    assert migrated.exit_code == 0, migrated.output
    assert re.search(r"Mandate lab-a-to-new-lis verified: signed by dr\.martin", migrated.output)
    staged = [e for e in trail(world) if e.name == "run.batch_staged"]
    assert len(staged) > 1  # several batches…
    assert calls == [1]  # …one check of the trail
