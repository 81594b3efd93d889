"""A third party's plug-ins, one of each kind, installed as a distribution and used for real:
scanned, migrated into, keyed with, alerted through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.cli.test_scan_cli import log_in_as
from tests.migrate.world import LAB_A_RULES, make_world
from tests.schemas import closed_schema

from sceau.accounts import Role
from sceau.alerts.supervisor import Supervisor
from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.config import load_settings
from sceau.events import MandateRefused
from sceau.migrate.pipeline import migrate
from sceau.migrate.verify import digest_batches
from sceau.store import open_store
from sceau.targets import TargetTable, open_target

jsonschema = pytest.importorskip("jsonschema")

GROUPS = ("A+", "O-", "AB Rh+", "B-", "O+")


def test_scan_reads_the_plugin_source_and_reports_the_plugin_category(
    examples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    log_in_as("op.durand", Role.OPERATOR)
    export = tmp_path / "transfusions.kv"
    lines = [f"dossier=D{i:04d}\tabo={GROUPS[i % 5]}\n" for i in range(60)]
    export.write_text("".join(lines))

    scanned = CliRunner().invoke(main, ["scan", str(export), "--json", "-"])
    assert scanned.exit_code == 0, scanned.output
    report = json.loads(scanned.stdout)  # notes go to stderr
    jsonschema.validate(report, closed_schema("scan"))
    (table,) = report["sources"]
    columns = {column["name"]: column for column in table["columns"]}
    assert columns["abo"]["category"] == "BLOOD_GROUP"
    assert columns["abo"]["sensitivity"] == "special"
    assert columns["abo"]["matches"] == 60
    assert {"source": "header", "detail": "header says 'abo'", "weight": 0.8} in columns["abo"][
        "evidence"
    ]

    written = CliRunner().invoke(main, ["scan", str(export), "--sarif", str(tmp_path / "s.sarif")])
    assert written.exit_code == 0, written.output
    sarif = json.loads((tmp_path / "s.sarif").read_text())
    rules = {rule["id"]: rule for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "blood groups and rhesus factors" in rules["sceau/BLOOD_GROUP"]["help"]["text"]


def test_a_migration_keys_with_the_plugin_provider_and_loads_the_plugin_target(
    examples: Path, tmp_path: Path
) -> None:
    world = make_world(tmp_path / "home", key_provider="folder-keys")
    destination = str(tmp_path / "lis.jsonlines")
    outcome = migrate(world.session(), world.signed_mandate(destination=destination))

    assert outcome.status == "shredded"
    assert outcome.key_provider == "folder-keys"
    assert not world.provider.exists(outcome.key_id)  # crypto-shredded at the plug-in
    assert type(world.provider).__module__ == "sceau_examples.folder_keys"
    target = open_target(destination, TargetTable("patients", tuple(LAB_A_RULES)))
    assert type(target).__module__ == "sceau_examples.json_lines_target"
    assert digest_batches(target.read_rows()) == outcome.loaded == outcome.staged


def test_the_plugin_rule_fires_and_the_plugin_channel_delivers(
    examples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    inbox = tmp_path / "alerts.jsonl"
    (home / "config.toml").write_text(
        f"""
[alerts.file]
path = "{inbox}"

[alerts.rules.refusals]
count = 1

[[alerts.tiers]]
name = "security officer"
notify = ["file:soc"]
"""
    )
    monkeypatch.setenv("SCEAU_HOME", str(home))
    monkeypatch.delenv("SCEAU_CONFIG", raising=False)
    monkeypatch.delenv("SCEAU_STORE_URL", raising=False)
    settings = load_settings()
    engine = open_store(settings.store)
    log = AuditLog.from_settings(settings, engine)
    log.record(MandateRefused(actor="otto", mandate_sha256="ab" * 32, reason="bad-signature"))

    done = Supervisor.from_settings(settings, engine, log, {}).round()
    engine.dispose()

    assert "refusals" in {alert.rule for alert in done.raised}
    told = [json.loads(line) for line in inbox.read_text().splitlines()]
    assert {(line["to"], line["rule"]) for line in told} >= {("soc", "refusals")}
