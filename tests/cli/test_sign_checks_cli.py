"""``sceau mandate sign`` refuses what ``sceau migrate`` would refuse, in the same words; no
password ever enters a mandate or the state store; lab-d's Corsican FINESS signs."""

from __future__ import annotations

import csv
import json
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from tests import mariadb
from tests.migrate.world import CHEAP, LAB_A_RULES, PASSPHRASE, PASSWORD, World, cli_world
from tests.schemas import closed_schema

from sceau.accounts import login, reauthenticate, totp
from sceau.accounts.mfa import begin_totp, confirm_totp
from sceau.cli import main
from sceau.keys.db_passwords import MARIADB_ENV
from sceau.mandate.policy import ScanDisagreement
from sceau.mandate.sign import sign_mandate
from sceau.mandate.signature import signature_path
from sceau.migrate.pipeline import migrate

REASON = "portal logins made of the name and birth date; no password in this column"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    for name in ("SCEAU_STORE_URL", "SCEAU_CONFIG", "SCEAU_KEY_PROVIDER", MARIADB_ENV):
        monkeypatch.delenv(name, raising=False)
    world = cli_world(tmp_path / "home", monkeypatch, patients=200)
    monkeypatch.setenv("SCEAU_SIGNER_PASSPHRASE", PASSPHRASE)
    return world


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def as_user(world: World, name: str) -> None:
    login(world.settings, world.engine, world.events, name, PASSWORD, params=CHEAP)


def error_line(output: str) -> str:
    (line,) = [line for line in output.splitlines() if line.startswith("error: ")]
    return line.removeprefix("error: ")


def test_sign_refuses_a_scan_disagreement_in_the_words_migrate_would_use(world, tmp_path):
    path = tmp_path / "m.toml"
    rules = dict(LAB_A_RULES, MP="keep")
    text = world.mandate_text(
        destination=f"sqlite:///{tmp_path / 'lis.db'}",
        rules=rules,
        notes={"MP": {"detected": "LOGIN"}},
    )
    path.write_text(text, encoding="utf-8")
    as_user(world, "dr.martin")
    refused = run("mandate", "sign", str(path), input=f"{PASSWORD}\n")
    assert refused.exit_code == 2
    assert not signature_path(path).exists()
    # the same mandate signed without the scan (as before this check existed), then migrated
    sign_mandate(path, world.signer_key, PASSPHRASE, world.engine, world.events, user="dr.martin")
    with pytest.raises(ScanDisagreement) as migrating:
        migrate(world.session(), path)
    assert error_line(refused.output) == str(migrating.value)
    assert 'detected = "PASSWORD", category = "LOGIN"' in refused.output

    # the controller follows the hint: confirms LOGIN with a reason, and it signs and runs
    notes = {"MP": {"detected": "PASSWORD", "category": "LOGIN", "reason": REASON}}
    text = world.mandate_text(
        destination=f"sqlite:///{tmp_path / 'lis.db'}", rules=rules, notes=notes
    )
    path.write_text(text, encoding="utf-8")
    signed = run("mandate", "sign", str(path), input=f"{PASSWORD}\n")
    assert signed.exit_code == 0, signed.output
    assert "Scanned the source as the migration will (28 columns" in signed.output
    assert "it matches the mandate" in signed.output
    shown = run("mandate", "show", str(path))
    assert "The controller overrides the scan for 1 column:" in shown.output
    assert f"MP: holds LOGIN, where the scan read PASSWORD — {REASON}" in shown.output
    verified = run("mandate", "verify", str(path))
    assert f"MP: holds LOGIN, where the scan read PASSWORD — {REASON}" in verified.output

    as_user(world, "op.durand")
    done = run("migrate", str(path), "--reports", str(tmp_path / "reports"))
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())  # the terminal wraps long lines
    assert "The controller overrode the scan's reading of 1 column:" in said
    assert f"MP: LOGIN, where the scan read PASSWORD — {REASON}" in said
    report = json.loads((tmp_path / "reports" / "migration.json").read_text())
    (mp,) = [c for c in report["columns_moved"] if c["source"] == "MP"]
    assert mp["override"] == {"category": "LOGIN", "reason": REASON}
    page = (tmp_path / "reports" / "migration.html").read_text()
    assert "the controller’s reading, over the scan’s <code>PASSWORD</code>" in page
    assert REASON in page
    certificate = (tmp_path / "reports" / "certificate.html").read_text()
    assert "The controller’s readings" in certificate
    assert REASON in certificate


def test_sign_refuses_kept_text_holding_identifiers_in_the_words_migrate_would_use(world, tmp_path):
    as_user(world, "op.durand")
    draft = tmp_path / "draft.toml"
    assert run("mandate", "draft", str(world.source), "-o", str(draft)).exit_code == 0
    text = draft.read_text(encoding="utf-8")
    text = _filled(text, f"sqlite:///{tmp_path / 'lis.db'}")
    found = re.search(r'^COMMENT1 = \{ treatment = "drop", (.*) \}$', text, flags=re.M)
    assert found is not None
    assert "found_inside = [" in found.group(1)
    kept = text.replace('COMMENT1 = { treatment = "drop"', 'COMMENT1 = { treatment = "keep"')
    draft.write_text(kept, encoding="utf-8")
    as_user(world, "dr.martin")
    refused = run("mandate", "sign", str(draft), input=f"{PASSWORD}\n")
    assert refused.exit_code == 2
    message = error_line(refused.output)
    assert "its text holds identifiers (" in message
    assert "and the mandate would move it as is (keep)" in message
    # migrate's words for the same column: a mandate drafted before `found_inside` existed
    older = re.sub(r", found_inside = \[[^]]*\]", "", kept)
    draft.write_text(older, encoding="utf-8")
    sign_mandate(draft, world.signer_key, PASSPHRASE, world.engine, world.events, user="dr.martin")
    with pytest.raises(ScanDisagreement) as migrating:
        migrate(world.session(), draft)
    assert migrating.value.reason in message
    assert migrating.value.hint in message


def test_sign_says_plainly_when_the_source_cannot_be_read_from_here(world, tmp_path):
    path = tmp_path / "m.toml"
    text = world.mandate_text(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    path.write_text(text.replace(str(world.source), "/srv/vendor/exports/lab-a.csv"))
    as_user(world, "dr.martin")
    signed = run("mandate", "sign", str(path), input=f"{PASSWORD}\n")
    assert signed.exit_code == 0, signed.output
    assert "The source could not be read from here (" in signed.output
    assert "no such file or folder" in signed.output
    assert "the drift scan was not run: it runs when the operator migrates" in signed.output
    assert signature_path(path).exists()


def test_sign_refuses_a_destination_that_cannot_hold_the_names_as_the_load_would(world, tmp_path):
    path = tmp_path / "m.toml"
    long_name = "c" * 64  # PostgreSQL names are at most 63 bytes
    text = world.mandate_text(
        destination="postgresql://lis@127.0.0.1:5432/test", targets={"N_SS": long_name}
    )
    path.write_text(text, encoding="utf-8")
    as_user(world, "dr.martin")
    refused = run("mandate", "sign", str(path), input=f"{PASSWORD}\n")
    assert refused.exit_code == 2
    assert "PostgreSQL names are at most 63 bytes" in refused.output
    assert "rename it in the mandate's target table" in refused.output


def test_lab_d_with_its_corsican_finess_drafts_and_signs(world, tmp_path):
    labs = tmp_path / "labs"
    made = run("synth", "--lab", "lab-d", "--patients", "80", "--out", str(labs))
    assert made.exit_code == 0, made.output
    with (labs / "lab-d.csv").open(encoding="utf-8", newline="") as handle:
        finess = next(csv.DictReader(handle))["FINESS laboratoire"]
    assert re.fullmatch(r"2[AB][0-9]{7}", finess), finess
    draft = tmp_path / "lab-d.toml"
    as_user(world, "op.durand")
    drafted = run("mandate", "draft", str(labs / "lab-d.csv"), "-o", str(draft))
    assert drafted.exit_code == 0, drafted.output
    text = _filled(
        draft.read_text(encoding="utf-8"), f"sqlite:///{tmp_path / 'lis.db'}", finess=finess
    )
    draft.write_text(text, encoding="utf-8")
    as_user(world, "dr.martin")
    signed = run("mandate", "sign", str(draft), input=f"{PASSWORD}\n")
    assert signed.exit_code == 0, signed.output
    assert "it matches the mandate" in signed.output
    shown = run("mandate", "verify", str(draft))
    assert f"(FINESS {finess})" in shown.output
    as_user(world, "op.durand")
    done = run("migrate", str(draft), "--reports", str(tmp_path / "reports"))
    assert done.exit_code == 0, done.output
    for kind in ("migration", "certificate"):
        data = json.loads((tmp_path / "reports" / f"{kind}.json").read_text(encoding="utf-8"))
        jsonschema.validate(data, closed_schema(kind))
        assert data["mandate"]["controller"]["finess"] == finess


# --- no password in a mandate, nor in the store ------------------------------------------


@pytest.fixture
def maria() -> Iterator[tuple[str, str]]:
    """(URL without password, password) of a MariaDB account of this test's own."""
    password = f"s3cret:{secrets.token_hex(6)}"
    with mariadb.account(
        password,
        "CREATE TABLE {db}.patients (NOM TEXT, VILLE TEXT, COMMENTAIRE TEXT)",
        "INSERT INTO {db}.patients VALUES ('DUPONT', 'Lyon', 'RAS'), "
        "('MARTIN', 'Paris', 'bilan normal')",
    ) as url:
        yield url, password


def test_no_password_reaches_a_mandate_or_the_store_by_any_path(world, tmp_path, maria):
    url, password = maria
    with_password = url.replace("@", f":{password}@", 1)
    draft = tmp_path / "draft.toml"
    as_user(world, "op.durand")

    refused = run("mandate", "draft", with_password, "-o", str(draft))
    assert refused.exit_code == 2
    assert "SOURCE: the URL holds a password" in refused.output
    assert "sceau keys db-password set" in refused.output
    assert password not in refused.output
    assert not draft.exists()

    kept = run("keys", "db-password", "set", url, input=f"{password}\n{password}\n")
    assert kept.exit_code == 0, kept.output
    assert "Kept the password for mariadb://" in kept.output  # named by its account
    assert "wrapped by the local provider" in kept.output
    assert password not in kept.output
    drafted = run("mandate", "draft", url, "--table", "patients", "-o", str(draft))
    assert drafted.exit_code == 0, drafted.output
    text = _filled(draft.read_text(encoding="utf-8"), f"sqlite:///{tmp_path / 'lis.db'}", keep=None)
    text = re.sub(r'^(VILLE = \{ treatment = )"drop"', r'\1"keep"', text, flags=re.M)
    as_user(world, "dr.martin")
    draft.write_text(text.replace(url, with_password), encoding="utf-8")
    leaked = run("mandate", "sign", str(draft), input=f"{PASSWORD}\n")
    assert leaked.exit_code == 2
    assert "source.location: the URL holds a password" in leaked.output
    assert password not in leaked.output
    draft.write_text(text, encoding="utf-8")
    signed = run("mandate", "sign", str(draft), input=f"{PASSWORD}\n")
    assert signed.exit_code == 0, signed.output
    assert "Scanned the source as the migration will (3 columns" in signed.output
    as_user(world, "op.durand")
    done = run("migrate", str(draft), "--reports", str(tmp_path / "reports"))
    assert done.exit_code == 0, done.output
    scanned = run("scan", with_password)  # a scan given a password on the command line
    assert scanned.exit_code == 0, scanned.output
    assert password not in scanned.output

    forgotten = run("keys", "db-password", "forget", url)
    assert forgotten.exit_code == 0, forgotten.output
    assert "its key was destroyed" in forgotten.output
    world.engine.dispose()
    for path in [*world.home.rglob("*"), *tmp_path.glob("reports/*"), draft]:
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path


def test_only_those_who_connect_keep_a_database_password(world):
    for name in ("op.durand", "dr.martin"):
        as_user(world, name)
        result = run(
            "keys", "db-password", "set", "postgresql://lis@db/lab", input="pw-1234\npw-1234\n"
        )
        assert result.exit_code == 0, result.output
    login(world.settings, world.engine, world.events, "admin", PASSWORD, params=CHEAP)
    assert run("keys", "db-password", "forget", "postgresql://lis@db/lab").exit_code == 0


def _filled(
    text: str, destination: str, *, finess: str = "750000001", keep: str | None = "DATE"
) -> str:
    """The draft with every TODO filled in and, as a controller would, the first column the
    scan found to hold ``keep`` kept."""
    values = {
        "purpose": "Migration to the new LIS",
        "legal_reference": "Contract of 2026-01-15, art. 4",
        "name": "Laboratoire de Corse",
        "finess": finess,
        "location": destination,
        "table": "patients",
    }
    for key, value in values.items():
        text = re.sub(rf'^{key} = "TODO[^"]*"', f"{key} = {json.dumps(value)}", text, flags=re.M)
    if keep is not None:
        rule = re.search(rf'^.+ = \{{ treatment = "drop", detected = "{keep}"', text, re.M)
        assert rule is not None
        text = text.replace(rule.group(0), rule.group(0).replace('"drop"', '"keep"'), 1)
    assert '"TODO' not in text
    return text.replace("create = false", "create = true")


def test_sign_refuses_a_destination_that_names_another_place_from_elsewhere(world, tmp_path):
    path = tmp_path / "m.toml"
    path.write_text(world.mandate_text(destination="sqlite:///lis.db"), encoding="utf-8")
    as_user(world, "dr.martin")
    refused = run("mandate", "sign", str(path), input=f"{PASSWORD}\n")
    assert refused.exit_code == 2
    assert "not an absolute path" in refused.output
    assert "sqlite:////srv/lis.db" in refused.output
    assert not list(tmp_path.glob("*.sig"))  # nothing signed


def test_signing_asks_the_password_and_the_code_of_a_controller_with_a_second_factor(
    world, tmp_path
):
    # a session left open on the director's machine is not enough to sign in their name
    as_user(world, "dr.martin")
    proof = reauthenticate(world.settings, world.engine, world.events, "dr.martin", PASSWORD)
    enrolment = begin_totp(world.settings, world.engine, proof, label="phone")
    now = datetime.now(UTC)
    step = totp.step_at(now)
    confirm_totp(
        world.settings,
        world.engine,
        world.events,
        "dr.martin",
        enrolment.factor_id,
        totp.code_at(enrolment.secret, step - 1),
        now=now,
    )
    path = tmp_path / "m.toml"
    path.write_text(
        world.mandate_text(destination=f"sqlite:///{tmp_path / 'lis.db'}"), encoding="utf-8"
    )
    stale = totp.code_at(enrolment.secret, step - 5)  # a code of two and a half minutes ago
    no_code = run("mandate", "sign", str(path), input=f"{PASSWORD}\n{stale}\n")
    assert no_code.exit_code == 2
    assert "`mandate sign` refused: the code was not accepted" in no_code.output
    assert not signature_path(path).exists()
    wrong_password = run("mandate", "sign", str(path), input=f"not my password\n{stale}\n")
    assert wrong_password.exit_code == 2
    assert "the password is not dr.martin's" in wrong_password.output
    assert not signature_path(path).exists()
    signed = run(
        "mandate", "sign", str(path), input=f"{PASSWORD}\n{totp.code_at(enrolment.secret, step)}\n"
    )
    assert signed.exit_code == 0, signed.output
    assert signature_path(path).exists()
    names = [entry.name for entry in world.events.read()]
    assert names.count("mfa.failed") == 2
    assert names[-3:].count("auth.reauthenticated") == 1
