"""The CLI as the service's client gives the second factor: the app's code or a recovery code,
asked once the password is right; an account with no factor yet is sent to the web console."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.migrate.world import PASSWORD
from tests.web.mfa_client import enrol_app
from tests.web.service import BASE, client, remote_to, service_world

from sceau.cli._remote import RemoteError, read_token

T = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_the_cli_client_logs_in_with_a_code_and_is_refused_without_a_factor(tmp_path: Path):
    world, app = service_world(tmp_path / "home", require_mfa=True)
    app.state.service.clock = lambda: T
    with client(app) as browser:
        totp, codes = enrol_app(browser, "dr.martin", T)
    settings = replace(world.settings, server=BASE, home=tmp_path / "laptop")
    later = T + timedelta(seconds=60)
    app.state.service.clock = lambda: later
    with remote_to(app, settings) as remote:
        done = remote.login("dr.martin", PASSWORD, lambda: totp.at(later))
        assert done["user"] == "dr.martin"
    assert read_token(settings).startswith("sceau_")
    with remote_to(app, settings) as remote:
        assert remote.login("dr.martin", PASSWORD, lambda: codes[0])["role"] == "controller"
    with remote_to(app, settings) as remote, pytest.raises(RemoteError, match="has none yet"):
        remote.login("op.durand", PASSWORD, lambda: "123456")
    assert [e.get("kind") for e in world.events.read(names={"mfa.verified"})] == [
        "totp",
        "recovery",
    ]
