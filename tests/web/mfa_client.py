"""Browsers that log in to a service requiring a second factor: enrol, then give it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pyotp
from litestar import Litestar
from litestar.testing import TestClient
from tests.accounts.authenticator import SoftKey
from tests.migrate.world import PASSWORD
from tests.web.service import csrf_of

from sceau.accounts import enrolment
from sceau.accounts.mfa import mfa_key
from sceau.web.problems import CSRF_HEADER

ORIGIN = "https://localhost"  # the world's settings: rp id localhost, its https origin


def start(browser: TestClient[Litestar], name: str, password: str = PASSWORD) -> Any:
    """The password step, as a browser sends it (CSRF cookie and header)."""
    browser.headers[CSRF_HEADER] = csrf_of(browser)
    return browser.post("/auth/login", json={"name": name, "password": password})


def enrolment_code(browser: TestClient[Litestar], name: str) -> str:
    """The code an admin gives with ``name``'s account (``sceau users add`` prints it)."""
    service = browser.app.state.service
    key = mfa_key(service.settings, create=True)
    return enrolment.issue(service.engine, service.log, key, name, by="admin", now=service.clock())


def start_enrolment(browser: TestClient[Litestar], name: str) -> None:
    """The password, then the admin's enrolment code: the login may enrol its first factor."""
    code = enrolment_code(browser, name)
    assert start(browser, name).json() == {"stage": "enrol", "factors": []}
    given = browser.post("/auth/enrol/code", json={"answer": code})
    assert given.status_code == 200, given.text


def enrol_app(
    browser: TestClient[Litestar], name: str, now: datetime
) -> tuple[pyotp.TOTP, list[str]]:
    """Log ``name`` in for the first time and enrol an app: (the app, the recovery codes)."""
    start_enrolment(browser, name)
    begun = browser.post("/auth/enrol/totp", json={})
    assert begun.status_code == 200, begun.text
    app = pyotp.parse_uri(begun.json()["uri"])
    assert isinstance(app, pyotp.TOTP)
    done = browser.post(
        "/auth/enrol/totp/confirm", json={"factor": begun.json()["factor"], "answer": app.at(now)}
    )
    assert done.status_code == 200, done.text
    assert done.json()["stage"] == "complete"
    return app, done.json()["recovery_codes"]


def enrol_key(browser: TestClient[Litestar], name: str) -> tuple[SoftKey, list[str]]:
    """Log ``name`` in for the first time and enrol a security key."""
    start_enrolment(browser, name)
    key = SoftKey(origin=ORIGIN)
    options = browser.post("/auth/enrol/webauthn/options", json={})
    assert options.status_code == 200, options.text
    answer = key.create(json.dumps(options.json()["publicKey"]))
    done = browser.post("/auth/enrol/webauthn", json={"answer": json.dumps(answer)})
    assert done.status_code == 200, done.text
    return key, done.json()["recovery_codes"]
