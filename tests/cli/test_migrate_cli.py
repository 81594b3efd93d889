"""``sceau migrate``, ``sceau certificate`` and ``sceau retention`` as an operator meets them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.migrate.world import CHEAP, PASSWORD, World, cli_world

from sceau.accounts import login
from sceau.cli import main


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return cli_world(tmp_path / "home", monkeypatch)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_an_operator_migrates_and_gets_a_checkable_certificate(world: World, tmp_path: Path):
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    login(world.settings, world.engine, world.events, "op.durand", PASSWORD, params=CHEAP)
    reports = tmp_path / "reports"
    result = run("migrate", str(mandate), "--reports", str(reports))
    assert result.exit_code == 0, result.output
    assert "verified" in result.output.lower()
    assert "shredded" in result.output.lower()
    for name in ("migration.json", "migration.html", "certificate.json", "certificate.html"):
        assert (reports / name).stat().st_mode & 0o777 == 0o600
    checked = run("certificate", str(reports / "certificate.json"))
    assert checked.exit_code == 0, checked.output
    assert "intact" in checked.output
    data = json.loads((reports / "certificate.json").read_text())
    data["shredded_by"] = "someone else"
    (reports / "forged.json").write_text(json.dumps(data))
    forged = run("certificate", str(reports / "forged.json"))
    assert forged.exit_code == 2
    assert "changed after signing" in forged.output
    frame = world.synth.frame
    for value in frame["N_SS"].to_list()[:20] + frame["NOM_PAT"].to_list()[:20]:
        assert value not in result.output


def test_a_controller_may_not_run_a_migration(world: World, tmp_path: Path):
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    login(world.settings, world.engine, world.events, "dr.martin", PASSWORD, params=CHEAP)
    result = run("migrate", str(mandate))
    assert result.exit_code == 2
    assert "operator" in result.output
    assert not (tmp_path / "lis.db").exists()


def test_nobody_logged_in_is_refused(world: World, tmp_path: Path):
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    result = run("migrate", str(mandate))
    assert result.exit_code == 2
    assert "sceau login" in result.output


def test_an_unsigned_mandate_is_refused_in_one_line(world: World, tmp_path: Path):
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    mandate.with_name(mandate.name + ".sig").unlink()
    login(world.settings, world.engine, world.events, "op.durand", PASSWORD, params=CHEAP)
    result = run("migrate", str(mandate))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "sign" in result.output


def test_retention_show_and_enforce_with_nothing_due(world: World):
    login(world.settings, world.engine, world.events, "op.durand", PASSWORD, params=CHEAP)
    shown = run("retention", "show")
    assert shown.exit_code == 0, shown.output
    assert "No staging is overdue" in shown.output
    enforced = run("retention", "enforce")
    assert enforced.exit_code == 0, enforced.output
    assert "nothing to shred" in enforced.output


def test_the_certificate_key_is_what_proves_where_a_certificate_comes_from(world, tmp_path):
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    login(world.settings, world.engine, world.events, "op.durand", PASSWORD, params=CHEAP)
    assert run("migrate", str(mandate), "--reports", str(tmp_path / "r")).exit_code == 0
    fingerprint = run("keys", "certificate-key").output.strip()
    assert len(fingerprint) == 64
    certificate = str(tmp_path / "r" / "certificate.json")
    unchecked = run("certificate", certificate)
    assert "Intact is not enough" in unchecked.output
    checked = run("certificate", certificate, "--fingerprint", fingerprint)
    assert checked.exit_code == 0
    assert "signed by the key you named" in checked.output
    other = run("certificate", certificate, "--fingerprint", "0" * 64)
    assert other.exit_code == 2


def test_migrate_certificate_and_retention_speak_french_when_asked(world, tmp_path, monkeypatch):
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    login(world.settings, world.engine, world.events, "op.durand", PASSWORD, params=CHEAP)
    reports = tmp_path / "reports"
    result = run("migrate", str(mandate), "--reports", str(reports), "--lang", "fr")
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # the terminal wraps long lines
    assert re.search(r"Exécution \S+\s: terminée, zone de transit détruite\.", said)
    assert "Jamais sorties de la source" in said
    assert result.output.count("écrit\u00a0:") == 4  # two reports, two certificates
    for name in ("migration.html", "certificate.html"):
        assert '<html lang="fr">' in (reports / name).read_text(encoding="utf-8")
    data = json.loads((reports / "certificate.json").read_text(encoding="utf-8"))
    assert data["reason"] == "verified"  # the signed facts are codes, in no language
    report = json.loads((reports / "migration.json").read_text(encoding="utf-8"))
    # where the rows went, as SQLite itself named the file it opened
    assert report["connected_to"] == [f"sqlite:///{(tmp_path / 'lis.db').resolve()}"]
    assert "Connexion établie avec" in (reports / "migration.html").read_text(encoding="utf-8")
    assert {c["reason"] for c in report["columns_refused"]} <= {
        "dropped by the mandate",
        "not named in the mandate (deny by default)",
    }

    checked = run("certificate", str(reports / "certificate.json"), "--lang", "fr")
    assert checked.exit_code == 0, checked.output
    assert "Le certificat est intact\u00a0: zone de transit de l'exécution" in checked.output
    assert "Intact ne suffit pas" in checked.output
    monkeypatch.setenv("SCEAU_LANG", "fr")  # the setting, when --lang is not given
    assert (
        "Le certificat est intact" in run("certificate", str(reports / "certificate.json")).output
    )
    assert (
        "The certificate is intact"
        in run("certificate", str(reports / "certificate.json"), "--lang", "en").output
    )
    shown = run("retention", "show")
    assert "Aucune zone de transit n'a dépassé sa durée de conservation." in shown.output
    enforced = run("retention", "enforce", "--lang", "fr")
    assert enforced.exit_code == 0, enforced.output
    assert "rien à détruire" in " ".join(enforced.output.split())
