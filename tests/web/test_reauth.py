"""Re-authentication in a session (``POST /auth/reauth``) and the acts that want it fresh:
registering and revoking a signing key through the service, and changing one's factors. Only
the owner controller registers a key, named after their account, and only when fresh."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.migrate.world import CHEAP, PASSWORD, World
from tests.web.mfa_client import enrol_app, enrol_key, start
from tests.web.service import client, service_world

from sceau.accounts import Role, add_user
from sceau.crypto import signing
from sceau.mandate.signers import find_signer

T = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
STEP = timedelta(seconds=30)


@pytest.fixture
def served(tmp_path: Path) -> tuple[World, Litestar]:
    world, app = service_world(tmp_path / "home", require_mfa=True)
    add_user(
        world.engine, world.events, "dr.blanc", Role.CONTROLLER, PASSWORD, by="admin", params=CHEAP
    )
    at(app, T)
    return world, app


def at(app: Litestar, moment: datetime) -> None:
    app.state.service.clock = lambda: moment


def reauth(browser: TestClient[Litestar], app: Litestar, totp: pyotp.TOTP, moment: datetime) -> int:
    at(app, moment)
    answer = browser.post("/auth/reauth", json={"password": PASSWORD, "answer": totp.at(moment)})
    return answer.status_code


def new_key() -> str:
    return base64.b64encode(signing.public_bytes(signing.generate())).decode("ascii")


def test_a_signer_key_is_registered_only_by_its_controller_after_a_fresh_reauthentication(served):
    world, app = served
    with client(app) as browser:
        totp, _ = enrol_app(browser, "dr.martin", T)
        key = new_key()
        stale = browser.post("/api/signers", json={"public_key": key})
        assert stale.status_code == 403
        assert "/auth/reauth" in stale.json()["hint"]
        at(app, T + STEP)
        wrong = browser.post(
            "/auth/reauth", json={"password": "wrong", "answer": totp.at(T + STEP)}
        )
        assert wrong.status_code == 401
        no_code = browser.post("/auth/reauth", json={"password": PASSWORD})
        assert no_code.status_code == 401
        assert reauth(browser, app, totp, T + STEP) == 200
        made = browser.post("/api/signers", json={"public_key": key})
        assert made.status_code == 201, made.text
        assert made.json()["name"] == made.json()["user"] == "dr.martin"
        fingerprint = made.json()["fingerprint"]
        at(app, T + STEP + timedelta(minutes=6))  # the re-authentication is no longer fresh
        late = browser.post("/api/signers", json={"public_key": new_key()})
        assert late.status_code == 403
    signer = find_signer(world.engine, fingerprint)
    assert signer is not None
    assert signer.user == "dr.martin"
    created = list(world.events.read(names={"signer.created"}))
    assert [(e.actor, e.get("account"), e.get("public_key")) for e in created][-1] == (
        "dr.martin",
        "dr.martin",
        key,
    )
    reasons = [e.get("reason") for e in world.events.read(names={"auth.denied"})]
    assert reasons.count("not fresh") == 2
    kinds = [e.get("kind") for e in world.events.read(names={"auth.reauthenticated"})]
    assert kinds == ["totp"]


def test_an_operator_cannot_register_a_key_for_anyone_even_fresh(served):
    world, app = served
    with client(app) as browser:
        totp, _ = enrol_app(browser, "op.durand", T)
        assert reauth(browser, app, totp, T + STEP) == 200
        refused = browser.post("/api/signers", json={"public_key": new_key()})
        assert refused.status_code == 403
        assert "role" in refused.json()["title"]
    assert not list(world.events.read(names={"signer.created"}))[1:]  # only the world's own


def test_an_api_token_is_never_fresh(served):
    _, app = served
    with client(app) as browser:
        totp, _ = enrol_app(browser, "dr.martin", T)
        token = browser.post("/api/tokens", json={"label": "laptop"}).json()["token"]
    with client(app) as cli:
        bearer = {"authorization": f"Bearer {token}"}
        at(app, T + STEP)
        again = cli.post(
            "/auth/reauth", json={"password": PASSWORD, "answer": totp.at(T + STEP)}, headers=bearer
        )
        assert again.status_code == 403
        refused = cli.post("/api/signers", json={"public_key": new_key()}, headers=bearer)
        assert refused.status_code == 403


def test_a_malformed_key_is_refused_without_a_trace(served):
    _, app = served
    with client(app) as browser:
        totp, _ = enrol_app(browser, "dr.martin", T)
        assert reauth(browser, app, totp, T + STEP) == 200
        for bad in ("not base64!", base64.b64encode(b"short").decode()):
            answer = browser.post("/api/signers", json={"public_key": bad})
            assert answer.status_code == 400
            assert "Traceback" not in answer.text


def test_a_key_is_revoked_by_its_owner_or_an_admin_when_fresh_never_by_another(served):
    world, app = served
    with client(app) as owner:
        totp, _ = enrol_app(owner, "dr.martin", T)
        assert reauth(owner, app, totp, T + STEP) == 200
        fingerprints = [
            owner.post("/api/signers", json={"public_key": new_key()}).json()["fingerprint"]
            for _ in range(2)
        ]
        assert owner.post(
            f"/api/signers/{fingerprints[0]}/revoke", json={"reason": "laptop stolen"}
        ).json()["revoked_at"]
    at(app, T)
    with client(app) as other:
        totp_b, _ = enrol_app(other, "dr.blanc", T)
        assert reauth(other, app, totp_b, T + 2 * STEP) == 200
        refused = other.post(f"/api/signers/{fingerprints[1]}/revoke", json={"reason": "mine now"})
        assert refused.status_code == 403
    at(app, T)
    with client(app) as admin:
        totp_a, _ = enrol_app(admin, "admin", T)
        path = f"/api/signers/{fingerprints[1]}/revoke"
        assert admin.post(path, json={"reason": "left the lab"}).status_code == 403  # not fresh
        assert reauth(admin, app, totp_a, T + 3 * STEP) == 200
        assert admin.post(path, json={"reason": "left the lab"}).status_code == 200
    revoked = list(world.events.read(names={"signer.revoked"}))
    assert [(e.actor, e.get("fingerprint")) for e in revoked] == [
        ("dr.martin", fingerprints[0]),
        ("admin", fingerprints[1]),
    ]


def test_changing_ones_factors_wants_a_fresh_reauthentication(served):
    world, app = served
    with client(app) as browser:
        totp, first_codes = enrol_app(browser, "op.durand", T)
        assert browser.get("/api/mfa").status_code == 200  # reading them does not
        assert browser.post("/api/mfa/recovery", json={}).status_code == 403
        factors = browser.get("/api/mfa").json()["factors"]
        app_factor = next(f["factor"] for f in factors if f["kind"] == "totp")
        assert browser.delete(f"/api/mfa/{app_factor}").status_code == 403
        assert reauth(browser, app, totp, T + STEP) == 200
        codes = browser.post("/api/mfa/recovery", json={}).json()["recovery_codes"]
        assert len(codes) == 10
        assert not set(codes) & set(first_codes)
        assert browser.delete(f"/api/mfa/{app_factor}").json()["removed"]
    assert "mfa.removed" in {e.name for e in world.events.read()}
    with client(app) as browser:  # no factor left: the next login enrols one
        assert start(browser, "op.durand").json()["stage"] == "enrol"


def test_a_security_key_re_authenticates_too(served):
    world, app = served
    with client(app) as browser:
        key, _ = enrol_key(browser, "op.durand")
        options = browser.post("/auth/reauth/webauthn/options", json={}).json()["publicKey"]
        signed = json.dumps(key.get(json.dumps(options)))
        fresh = browser.post("/auth/reauth", json={"password": PASSWORD, "answer": signed})
        assert fresh.status_code == 200, fresh.text
        assert fresh.json()["fresh_until"] == (T + timedelta(minutes=5)).isoformat()
        assert browser.post("/api/mfa/recovery", json={}).status_code == 200
        replayed = browser.post("/auth/reauth", json={"password": PASSWORD, "answer": signed})
        assert replayed.status_code == 401
    kinds = [e.get("kind") for e in world.events.read(names={"auth.reauthenticated"})]
    assert kinds == ["webauthn"]
