"""``sceau mandate`` and ``sceau keys`` as people meet them: draft, edit, sign, verify, refuse."""

from __future__ import annotations

import hashlib
import json
import re
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from sceau.accounts import PasswordParams, Role, add_user, login
from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.config import load_settings
from sceau.keys.local import LocalKeyring
from sceau.store import open_store
from sceau.synth import write_labs

CHEAP = PasswordParams(time_cost=1, memory_cost=8, parallelism=1)  # tests only
PASSWORD = "a long enough password for tests"
PASSPHRASE = "signer: maple quartz lantern"
KEYRING = "keyring: copper violin meadow"
FILLED = {
    "purpose": "Migration to the new LIS",
    "legal_reference": "Contract of 2026-01-15, art. 4",
    "name": "Laboratoire des Deux Rives",  # the controller's, then the processor's
    "finess": "750000001",
    "location": "postgresql://lis@new-host/lab",
    "table": "patients",
}


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("labs")
    write_labs(folder, labs=("lab-a",), patients=60, seed=1)
    return folder / "lab-a.csv"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in (
        "SCEAU_STORE_URL",
        "SCEAU_CONFIG",
        "SCEAU_SIGNER_PASSPHRASE",
        "SCEAU_KEY_PROVIDER",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    settings = load_settings()
    engine = open_store(settings.store)
    events = AuditLog.from_settings(settings, engine)
    add_user(engine, events, "admin", Role.ADMIN, PASSWORD, by="admin", params=CHEAP)
    add_user(engine, events, "claire", Role.CONTROLLER, PASSWORD, by="admin", params=CHEAP)
    add_user(engine, events, "otto", Role.OPERATOR, PASSWORD, by="admin", params=CHEAP)
    engine.dispose()
    return tmp_path / "home"


def as_user(name: str) -> None:
    settings = load_settings()
    engine = open_store(settings.store)
    login(settings, engine, AuditLog.from_settings(settings, engine), name, PASSWORD, params=CHEAP)
    engine.dispose()


def events(home: Path) -> list[dict]:
    settings = load_settings({"SCEAU_HOME": str(home)})
    engine = open_store(settings.store)
    try:
        log = AuditLog.from_settings(settings, engine)
        return [{"name": e.name, "actor": e.actor, **e.payload} for e in log.read()]
    finally:
        engine.dispose()


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)


def signing(passphrase: str = PASSPHRASE) -> dict[str, str]:
    return {"SCEAU_SIGNER_PASSPHRASE": passphrase}


def fill(text: str) -> str:
    """What the controller does with the draft: every TODO filled in, three columns chosen."""
    for key, value in FILLED.items():
        text = re.sub(rf'^{key} = "TODO[^"]*"', f"{key} = {json.dumps(value)}", text, flags=re.M)
    for column, treatment in (
        ("N_SS", "pseudonymise:nir"),
        ("COMMENT1", "redact-identifiers"),
        ("MP", "rehash-password"),
    ):
        text = text.replace(
            f'{column} = {{ treatment = "drop"', f'{column} = {{ treatment = "{treatment}"'
        )
    assert '"TODO' not in text
    return text


def test_draft_edit_sign_verify(home, export, tmp_path):
    draft_path = tmp_path / "m.toml"
    as_user("otto")
    drafted = run("mandate", "draft", str(export), "-o", str(draft_path))
    assert drafted.exit_code == 0, drafted.output
    assert f"Wrote the draft mandate to {draft_path}: 28 columns" in drafted.output
    assert stat.S_IMODE(draft_path.stat().st_mode) == 0o600
    again = run("mandate", "draft", str(export), "-o", str(draft_path))
    assert again.exit_code == 2
    assert "already exists" in again.output
    assert "--force" in again.output
    assert run("mandate", "draft", str(export), "-o", str(draft_path), "--force").exit_code == 0

    unfilled = run("mandate", "show", str(draft_path))
    assert unfilled.exit_code == 2
    assert "TODO placeholder" in unfilled.output

    draft_path.write_text(fill(draft_path.read_text(encoding="utf-8")), encoding="utf-8")
    shown = run("mandate", "show", str(draft_path))
    assert shown.exit_code == 0, shown.output
    assert "Not signed yet." in shown.output

    refused = run("mandate", "sign", str(draft_path), env=signing(), input=f"{PASSWORD}\n")
    assert refused.exit_code == 2
    assert "needs the controller role" in refused.output

    as_user("claire")
    created = run("keys", "new-signer", input=f"{PASSWORD}\n", env=signing())
    assert created.exit_code == 0, created.output
    assert "Created a signer key for claire." in created.output
    assert re.search(r"Fingerprint: (?:[0-9a-f]{4} ){15}[0-9a-f]{4}\n", created.output)
    key = home / "signers" / "claire.signer.pem"
    assert f"Private key, encrypted under your passphrase: {key}" in created.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    signed = run("mandate", "sign", str(draft_path), env=signing(), input=f"{PASSWORD}\n")
    assert signed.exit_code == 0, signed.output
    assert f"The signature is in {draft_path}.sig." in signed.output
    # what the controller reads before signing: the summary, then whose key signs
    assert "Moves 3 of 28 columns:" in signed.output
    assert re.search(r"You sign as claire \(key (?:[0-9a-f]{4} ){15}[0-9a-f]{4}\)", signed.output)

    as_user("otto")
    verified = run("mandate", "verify", str(draft_path))
    assert verified.exit_code == 0, verified.output
    out = verified.output
    assert re.match(r"Valid: signed by claire \(key (?:[0-9a-f]{4} ){15}[0-9a-f]{4}\) on ", out)
    assert "Controller:   Laboratoire des Deux Rives (FINESS 750000001)" in out
    assert "Purpose:      Migration to the new LIS" in out
    assert "Rows:         every row" in out
    assert "Moves 3 of 28 columns:" in out
    assert re.search(r"N_SS +NIR-shaped pseudonym \(FF3-1\)", out)
    assert re.search(r"MP +re-hashed with Argon2id", out)
    assert "Drops 25 columns, which never leave the source:" in out
    assert "NOM_PAT" in out
    french = run("mandate", "verify", str(draft_path), "--lang", "fr").output
    assert french.startswith("Valide\u00a0: signé par claire (clé ")
    assert (
        "Responsable du traitement\u00a0:  Laboratoire des Deux Rives (FINESS 750000001)" in french
    )
    assert "Finalité\u00a0:" in french
    assert "Transfère 3 sur 28 colonnes\u00a0:" in french
    assert re.search(r"N_SS +pseudonyme au format du NIR \(FF3-1\)", french)
    assert re.search(r"MP +mots de passe re-hachés avec Argon2id", french)
    assert "Laisse de côté 25 colonnes, qui ne quittent jamais la source\u00a0:" in french
    shown_fr = run("mandate", "show", str(draft_path), "--lang", "fr").output
    assert shown_fr.startswith("Signé\u00a0: un fichier de signature est présent")
    assert re.search("Lignes\u00a0: +toutes\n", shown_fr)

    names = [event["name"] for event in events(home)]
    for name in ("mandate.drafted", "signer.created", "mandate.signed"):
        assert name in names


def test_a_changed_mandate_is_refused_and_the_refusal_recorded(home, export, tmp_path):
    path = tmp_path / "m.toml"
    as_user("claire")
    assert run("mandate", "draft", str(export), "-o", str(path)).exit_code == 0
    path.write_text(fill(path.read_text(encoding="utf-8")), encoding="utf-8")
    second = run("keys", "new-signer", "--suffix", "2", input=f"{PASSWORD}\n", env=signing())
    assert second.exit_code == 0, second.output
    key = home / "signers" / "claire-2.signer.pem"
    assert (
        run(
            "mandate", "sign", str(path), "--key", str(key), env=signing(), input=f"{PASSWORD}\n"
        ).exit_code
        == 0
    )

    path.write_text(
        path.read_text().replace('MP = { treatment = "rehash', 'MP = { treatment = "drop", x = "'),
        encoding="utf-8",
    )
    refused = run("mandate", "verify", str(path))
    assert refused.exit_code == 2
    assert "the mandate was changed after signing" in refused.output
    last = events(home)[-1]
    assert (last["name"], last["actor"], last["reason"]) == ("mandate.refused", "claire", "changed")
    assert len(last["mandate_sha256"]) == 64


def test_signing_asks_for_the_passphrase_and_never_shows_it(home, export, tmp_path):
    path = tmp_path / "m.toml"
    as_user("claire")
    created = run("keys", "new-signer", input=f"{PASSWORD}\n{PASSPHRASE}\n{PASSPHRASE}\n")
    assert created.exit_code == 0, created.output
    assert run("mandate", "draft", str(export), "-o", str(path)).exit_code == 0
    unfilled = run("mandate", "sign", str(path))  # refused before any prompt
    assert unfilled.exit_code == 2
    assert "TODO placeholder" in unfilled.output
    assert "passphrase" not in unfilled.output
    path.write_text(fill(path.read_text(encoding="utf-8")), encoding="utf-8")
    wrong = run("mandate", "sign", str(path), input=f"{PASSWORD}\nnot my passphrase\n")
    assert wrong.exit_code == 2
    assert "wrong passphrase" in wrong.output
    assert "not my passphrase" not in wrong.output
    signed = run("mandate", "sign", str(path), input=f"{PASSWORD}\n{PASSPHRASE}\n")
    assert signed.exit_code == 0, signed.output
    assert PASSPHRASE not in signed.output
    shown = run("mandate", "show", str(path))
    assert "Signed: a signature file is present" in shown.output


def test_verify_needs_a_login_and_says_why_an_unsigned_mandate_is_refused(home, export, tmp_path):
    path = tmp_path / "m.toml"
    nobody = run("mandate", "verify", str(path))
    assert nobody.exit_code == 2
    assert "sceau login" in nobody.output
    as_user("otto")
    assert run("mandate", "draft", str(export), "-o", str(path)).exit_code == 0
    path.write_text(fill(path.read_text(encoding="utf-8")), encoding="utf-8")
    unsigned = run("mandate", "verify", str(path))
    assert unsigned.exit_code == 2
    assert "the mandate is unsigned" in unsigned.output
    assert events(home)[-1]["reason"] == "unsigned"


def test_keys_signers_lists_who_may_sign(home):
    as_user("claire")
    assert run("keys", "signers").output.startswith("No signer yet")
    assert run("keys", "new-signer", input=f"{PASSWORD}\n", env=signing()).exit_code == 0
    listed = run("keys", "signers")
    assert listed.exit_code == 0
    assert re.search(
        r"^claire  key (?:[0-9a-f]{4} ){15}[0-9a-f]{4}  created \d{4}-\d\d-\d\d  "
        r"active \(registered by claire \d{4}-\d\d-\d\d\)$",
        listed.output,
        re.M,
    )
    twice = run("keys", "new-signer", input=f"{PASSWORD}\n", env=signing())
    assert twice.exit_code == 2
    assert "already exists" in twice.output
    assert "--suffix" in twice.output


def test_a_signers_public_key_leaves_the_store_as_pem(home, tmp_path):
    as_user("claire")
    assert run("keys", "new-signer", input=f"{PASSWORD}\n", env=signing()).exit_code == 0
    listed = run("keys", "signers").output
    fingerprint = re.search(r"key ((?:[0-9a-f]{4} ){15}[0-9a-f]{4})", listed).group(1)
    fingerprint = fingerprint.replace(" ", "")
    exported = run("keys", "signers", "--export", "claire")
    assert exported.exit_code == 0
    assert exported.output == run("keys", "signers", "--export", fingerprint).output
    pem = tmp_path / "claire.pub.pem"
    pem.write_text(exported.output)
    # OpenSSL reads it, and its raw key is the one the fingerprint names
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", str(pem), "-outform", "DER"],
        capture_output=True,
        check=True,
    ).stdout
    assert hashlib.sha256(der[-32:]).hexdigest() == fingerprint
    unknown = run("keys", "signers", "--export", "nobody")
    assert unknown.exit_code == 2
    assert "no registered signer" in unknown.output


def test_keys_rotate_is_for_admins_and_calls_the_provider(home, monkeypatch):
    settings = load_settings()
    keyring = LocalKeyring(
        settings.keyring_path, KEYRING, kdf={"memory_kib": 8, "time": 1, "parallelism": 1}
    )
    keyring.create("sceau-run-test")
    monkeypatch.setenv("SCEAU_KEYRING_PASSPHRASE", KEYRING)
    as_user("claire")
    denied = run("keys", "rotate", "sceau-run-test")
    assert denied.exit_code == 2
    assert "needs the admin role" in denied.output
    as_user("admin")
    rotated = run("keys", "rotate", "sceau-run-test")
    assert rotated.exit_code == 0, rotated.output
    assert rotated.output == "Rotated sceau-run-test at the local provider: now version 2.\n"
    last = events(home)[-1]
    assert (last["name"], last["key_id"], last["version"]) == ("key.rotated", "sceau-run-test", 2)
