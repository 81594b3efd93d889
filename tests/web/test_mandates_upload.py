"""``POST /api/mandates``: a controller hands the service a mandate signed on their own machine
(or in their browser). The service keeps it only when it would have signed it itself: the rules,
the dates, the lab, a fresh re-authentication, and a signature by the caller's own key that the
audit trail proves registered and never revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from tests.migrate.world import CHEAP, PASSPHRASE, PASSWORD, World
from tests.web.service import LAB_A, LAB_B, client, log_in, service_world

from sceau.accounts import Role, add_user
from sceau.accounts.labs import add_member
from sceau.crypto import signing
from sceau.mandate.sign import signature_of
from sceau.mandate.signature import signature_document, signature_path
from sceau.mandate.signers import load_signer_key, new_signer, revoke_signer
from sceau.mandate.verify import load_verified
from sceau.store.schema import mandates

Signed = tuple[str, str]


@pytest.fixture
def served(tmp_path: Path) -> tuple[World, Litestar]:
    world, app = service_world(tmp_path / "home")
    add_member(world.engine, world.events, "dr.martin", LAB_A, by="admin")
    return world, app


def text_of(world: World, **options: object) -> str:
    return world.mandate_text(destination="sqlite:///lis.db", **options)  # type: ignore[arg-type]


def signed(
    text: str, key: signing.PrivateKey, signer: str = "dr.martin", moment: datetime | None = None
) -> Signed:
    made = signature_of(
        text.encode("utf-8"),
        "lab-a-to-new-lis",
        key,
        signer=signer,
        moment=moment or datetime.now(UTC),
    )
    return text, signature_document(made)


def martins_key(world: World) -> signing.PrivateKey:
    return load_signer_key(world.signer_key, PASSPHRASE)


def hand_in(browser: TestClient[Litestar], mandate: Signed, *, fresh: bool = True):
    if fresh:
        assert browser.post("/auth/reauth", json={"password": PASSWORD}).status_code == 200
    return browser.post("/api/mandates", json={"mandate": mandate[0], "signature": mandate[1]})


def refusals(world: World) -> list[str]:
    return [e.get("reason") for e in world.events.read(names={"mandate.refused"})]


def test_a_mandate_signed_on_the_controllers_machine_is_kept_and_verifies(served, tmp_path):
    world, app = served
    mandate = signed(text_of(world), martins_key(world))
    with client(app) as browser:
        log_in(browser, "dr.martin")
        answer = hand_in(browser, mandate)
    assert answer.status_code == 201, answer.text
    sha256 = answer.json()["sha256"]
    assert answer.json() == {"sha256": sha256, "page": f"/mandates/{sha256}"}
    with world.engine.connect() as connection:
        row = connection.execute(select(mandates).where(mandates.c.sha256 == sha256)).one()
    assert (row.body, row.signature) == mandate
    [event] = [e for e in world.events.read(names={"mandate.signed"}) if e.actor == "dr.martin"][
        -1:
    ]
    assert event.get("mandate_sha256") == sha256
    path = tmp_path / "kept.toml"
    path.write_text(row.body, encoding="utf-8")
    signature_path(path).write_text(row.signature, encoding="utf-8")
    assert load_verified(path, world.engine, world.events).sha256 == sha256


def test_signing_wants_a_fresh_reauthentication(served):
    world, app = served
    with client(app) as browser:
        log_in(browser, "dr.martin")
        stale = hand_in(browser, signed(text_of(world), martins_key(world)), fresh=False)
    assert stale.status_code == 403
    assert "/auth/reauth" in stale.json()["hint"]


def test_only_a_controller_may_hand_in_a_signed_mandate(served):
    world, app = served
    add_member(world.engine, world.events, "op.durand", LAB_A, by="admin")
    with client(app) as browser:
        log_in(browser, "op.durand")
        refused = hand_in(browser, signed(text_of(world), martins_key(world)))
    assert refused.status_code == 403


def test_a_body_changed_after_signing_is_refused_and_recorded(served):
    world, app = served
    text, signature = signed(text_of(world), martins_key(world))
    changed = text.replace("retention_days = 7", "retention_days = 30")
    with client(app) as browser:
        log_in(browser, "dr.martin")
        refused = hand_in(browser, (changed, signature))
    assert refused.status_code == 400
    assert refused.json()["title"] == "the mandate was changed after signing"
    assert refusals(world) == ["changed"]


def test_a_key_nobody_registered_is_refused(served):
    world, app = served
    with client(app) as browser:
        log_in(browser, "dr.martin")
        refused = hand_in(browser, signed(text_of(world), signing.generate()))
    assert refused.status_code == 400
    assert refused.json()["title"].startswith("unknown signer")
    assert refusals(world) == ["unknown-signer"]


def test_a_signature_that_does_not_match_is_refused(served):
    world, app = served
    text, _ = signed(text_of(world), martins_key(world))
    other = signed(text_of(world, retention_days=3), martins_key(world))[1]
    forged = other.replace(
        other.split('"mandate_sha256": "')[1][:64],
        signed(text, martins_key(world))[1].split('"mandate_sha256": "')[1][:64],
    )
    with client(app) as browser:
        log_in(browser, "dr.martin")
        refused = hand_in(browser, (text, forged))
    assert refused.status_code == 400
    assert refused.json()["title"] == "the signature does not match the mandate"
    assert refusals(world) == ["bad-signature"]


def test_another_controllers_key_is_refused(served, tmp_path):
    world, app = served
    add_user(
        world.engine, world.events, "dr.blanc", Role.CONTROLLER, PASSWORD, by="admin", params=CHEAP
    )
    add_member(world.engine, world.events, "dr.blanc", LAB_A, by="admin")
    made = new_signer(world.engine, world.events, PASSPHRASE, tmp_path / "blanc", user="dr.blanc")
    assert made.path is not None
    blancs = signed(text_of(world), load_signer_key(made.path, PASSPHRASE), signer="dr.blanc")
    with client(app) as browser:
        log_in(browser, "dr.martin")
        refused = hand_in(browser, blancs)
    assert refused.status_code == 400
    assert refused.json()["title"] == "this signer key belongs to another account"
    with world.engine.connect() as connection:
        assert connection.execute(select(mandates)).all() == []


def test_a_revoked_key_is_refused(served):
    world, app = served
    key = martins_key(world)
    fingerprint = signing.fingerprint(signing.public_bytes(key))
    revoke_signer(world.engine, world.events, fingerprint, by="dr.martin", reason="laptop lost")
    with client(app) as browser:
        log_in(browser, "dr.martin")
        refused = hand_in(browser, signed(text_of(world), key))
    assert refused.status_code == 400
    assert "was revoked" in refused.json()["title"]
    assert refusals(world) == ["revoked-signer"]


def test_an_expired_mandate_is_refused(served):
    world, app = served
    mandate = signed(text_of(world, valid_days=2), martins_key(world))
    later = datetime.now(UTC) + timedelta(days=5)
    app.state.service.clock = lambda: later
    with client(app) as browser:
        log_in(browser, "dr.martin")
        refused = hand_in(browser, mandate)
    assert refused.status_code == 400
    assert refused.json()["title"].startswith("the mandate expired on")
    assert refused.json()["where"] == "mandate: validity.until"


def test_a_mandate_of_another_lab_is_refused(tmp_path):
    world, app = service_world(tmp_path / "home")
    add_member(world.engine, world.events, "dr.martin", LAB_B, by="admin")  # not lab A
    with client(app) as browser:
        log_in(browser, "dr.martin")
        refused = hand_in(browser, signed(text_of(world), martins_key(world)))
    assert refused.status_code == 403
    assert refused.json()["title"] == "this mandate is not of one of your labs"


def test_a_malformed_signature_document_is_refused_in_plain_words(served):
    world, app = served
    with client(app) as browser:
        log_in(browser, "dr.martin")
        refused = hand_in(browser, (text_of(world), '{"format": "something else"}'))
    assert refused.status_code == 400
    assert refused.json()["title"] == "the signature file is malformed"
    assert refused.json()["where"] == "signature"
