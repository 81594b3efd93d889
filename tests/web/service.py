"""A service over a migration world, and clients that log in to it as the world's people."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from litestar import Litestar
from litestar.testing import TestClient
from tests.migrate.world import CHEAP, PASSWORD, World, make_world

from sceau.accounts import Role, add_user
from sceau.cli._remote import Remote
from sceau.config import Settings
from sceau.web import create_app
from sceau.web.guard import SESSION_COOKIE
from sceau.web.problems import CSRF_COOKIE, CSRF_HEADER

LAB_A, LAB_B = "130000011", "690000017"  # the world's mandate is lab A's
BASE = "https://testserver.local"  # the cookies are Secure: the test client speaks "https"


def service_world(home: Path, *, require_mfa: bool = False) -> tuple[World, Litestar]:
    """The migration world (admin, dr.martin, op.durand) plus an auditor, and its service.

    The service lets accounts without a second factor in (the demo switch) unless
    ``require_mfa``, as ``sceau serve`` does by default.
    """
    world = make_world(home)
    add_user(
        world.engine, world.events, "aud.petit", Role.AUDITOR, PASSWORD, by="admin", params=CHEAP
    )
    app = create_app(
        world.settings,
        engine=world.engine,
        log=world.events,
        supervise=False,
        password_params=CHEAP,
        allow_no_mfa=not require_mfa,
    )
    return world, app


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


@contextmanager
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url=BASE) as opened:
        yield opened


def log_in(client: TestClient[Litestar], name: str) -> None:
    """Log ``name`` in as a browser would: fetch a CSRF cookie, post the password with it."""
    csrf = csrf_of(client)
    answer = client.post(
        "/auth/login", json={"name": name, "password": PASSWORD}, headers={CSRF_HEADER: csrf}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["stage"] == "complete"
    assert client.cookies.get(SESSION_COOKIE)
    client.headers[CSRF_HEADER] = csrf


def csrf_of(client: TestClient[Litestar]) -> str:
    if not client.cookies.get(CSRF_COOKIE):
        assert client.get("/health").status_code == 200
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    return token
