"""``sceau plugins`` lists every kind with its origin; a broken plug-in is named, and a scan
still runs with sceau's own detectors and says what it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.cli.test_scan_cli import log_in_as
from tests.plugins.installed import install

from sceau.accounts import Role
from sceau.cli import main

BROKEN = {"sceau.detectors": {"ghost": "ghost:Ghost"}}
GHOST = {"ghost.py": "raise RuntimeError('a bug in the plug-in')\n"}


def test_plugins_lists_each_kind_with_its_distribution(examples: Path) -> None:
    listed = CliRunner().invoke(main, ["plugins"])
    assert listed.exit_code == 0, listed.output
    lines = [line.split() for line in listed.output.splitlines()]
    assert ["blood_group", "sceau-examples"] in lines
    assert ["nir", "sceau"] in lines
    assert ["folder-keys", "sceau-examples"] in lines
    assert "alert rules (sceau.alert_rules):" in listed.output


def test_a_broken_plugin_is_named_by_plugins_and_by_a_scan_that_runs_without_it(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(site, BROKEN, distribution="ghost-detector", extra=GHOST)
    listed = CliRunner().invoke(main, ["plugins"])
    assert listed.exit_code == 1
    assert "the detector plug-in 'ghost' of the distribution 'ghost-detector'" in listed.output
    assert "RuntimeError" in listed.output
    assert "fix or uninstall ghost-detector" in listed.output

    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    log_in_as("op.durand", Role.OPERATOR)
    export = tmp_path / "contacts.csv"
    export.write_text("mail\n" + "".join(f"p{i}@lab.example\n" for i in range(30)))
    scanned = CliRunner().invoke(main, ["scan", str(export), "--json", "-"])
    assert scanned.exit_code == 0, scanned.output
    (warning,) = [line for line in scanned.output.splitlines() if line.startswith("warning:")]
    assert "the detector plug-in 'ghost' of the distribution 'ghost-detector'" in warning
    assert '"category": "EMAIL"' in scanned.output
