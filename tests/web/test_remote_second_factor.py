"""The CLI as the service's client gives the second factor: the app's code or a recovery code,
asked once the password is right; an account with no factor yet is sent to the web console."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.migrate.world import PASSWORD
from tests.web.mfa_client import enrol_app
from tests.web.service import BASE, client, service_world

from sceau.cli._remote import Remote, RemoteError, read_token
from sceau.config import Settings

T = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@contextmanager
def remote_to(app: Litestar, settings: Settings) -> Iterator[Remote]:
    """The CLI's client, speaking to the app in-process instead of over the network."""
    remote = Remote(settings)
    own = remote.client
    with TestClient(app, base_url=BASE) as transport:
        remote.client = transport
        try:
            yield remote
        finally:
            remote.client = own
            remote.__exit__()


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
