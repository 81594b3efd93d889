"""``sceau labs``: an admin says which labs an account works for, on the service's machine."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.migrate.world import CHEAP, PASSWORD, cli_world

from sceau.accounts import login
from sceau.accounts.labs import labs_of
from sceau.cli import main


def test_an_admin_adds_lists_and_removes_a_membership(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    world = cli_world(tmp_path / "home", monkeypatch)
    runner = CliRunner()
    login(world.settings, world.engine, world.events, "admin", PASSWORD, params=CHEAP)
    added = runner.invoke(main, ["labs", "add", "dr.martin", "130000011"])
    assert added.exit_code == 0, added.output
    assert labs_of(world.engine, "dr.martin") == {"130000011"}
    assert "130000011" in runner.invoke(main, ["labs", "list", "dr.martin"]).output
    bad = runner.invoke(main, ["labs", "add", "dr.martin", "13-000-0011"])
    assert bad.exit_code == 2
    assert "FINESS" in bad.output
    assert runner.invoke(main, ["labs", "remove", "dr.martin", "130000011"]).exit_code == 0
    assert labs_of(world.engine, "dr.martin") == frozenset()
    login(world.settings, world.engine, world.events, "dr.martin", PASSWORD, params=CHEAP)
    refused = runner.invoke(main, ["labs", "add", "dr.martin", "130000011"])
    assert refused.exit_code == 2
    assert "admin" in refused.output
