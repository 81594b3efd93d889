"""WebAuthn against a software authenticator, verified by py_webauthn: registration, login,
and the refusals that matter — a replayed challenge, a wrong origin, a counter going back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from tests.accounts.authenticator import SoftKey, b64url
from tests.accounts.conftest import recorded

from sceau.accounts import webauthn
from sceau.accounts.factors import WrongFactor, list_factors
from sceau.config import load_settings
from sceau.store.schema import mfa_factors

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
RP = webauthn.RelyingParty("sceau.lab.example", "lab-vendor", ["https://sceau.lab.example"])


@pytest.fixture
def key() -> SoftKey:
    return SoftKey(origin="https://sceau.lab.example")


def register(engine, events, admin, key, now=NOW) -> int:
    options = webauthn.registration_options(engine, RP, admin, now=now)
    return webauthn.register(
        engine, events, RP, admin, key.create(options), label="YubiKey", now=now
    )


def test_register_then_authenticate(engine, events, admin, key):
    options = json.loads(webauthn.registration_options(engine, RP, admin, now=NOW))
    assert options["rp"] == {"id": "sceau.lab.example", "name": "lab-vendor"}
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["attestation"] == "none"
    assert options["user"]["id"] == b64url(webauthn.user_handle(admin))

    factor = register(engine, events, admin, key)
    [listed] = list_factors(engine, admin)
    assert (listed.factor_id, listed.kind, listed.label) == (factor, "webauthn", "YubiKey")
    with engine.connect() as connection:
        row = connection.execute(mfa_factors.select()).one()
    assert row.credential_id == key.credential_id
    assert row.transports == "usb,nfc"
    assert row.sign_count == 0
    assert {
        "name": "mfa.enrolled",
        "actor": admin,
        "user": admin,
        "kind": "webauthn",
        "factor": factor,
    } in recorded(engine)

    again = json.loads(webauthn.registration_options(engine, RP, admin, now=NOW))
    assert again["excludeCredentials"][0]["id"] == b64url(key.credential_id)

    request = webauthn.authentication_options(engine, RP, admin, now=NOW)
    assert json.loads(request)["allowCredentials"][0]["id"] == b64url(key.credential_id)
    assert webauthn.authenticate(engine, RP, admin, key.get(request), now=NOW) == factor
    with engine.connect() as connection:
        assert connection.execute(mfa_factors.select()).one().sign_count == 1


def test_a_replayed_answer_finds_its_challenge_used(engine, events, admin, key):
    register(engine, events, admin, key)
    answer = key.get(webauthn.authentication_options(engine, RP, admin, now=NOW))
    webauthn.authenticate(engine, RP, admin, answer, now=NOW)
    with pytest.raises(WrongFactor) as replayed:
        webauthn.authenticate(engine, RP, admin, answer, now=NOW)
    assert replayed.value.reason == "unknown or used challenge"


def test_a_wrong_origin_is_refused_and_uses_up_the_challenge(engine, events, admin, key):
    register(engine, events, admin, key)
    request = webauthn.authentication_options(engine, RP, admin, now=NOW)
    phished = key.get(request, origin="https://sceau-lab.example.net")
    with pytest.raises(WrongFactor) as refused:
        webauthn.authenticate(engine, RP, admin, phished, now=NOW)
    assert refused.value.reason == "wrong origin"
    assert "sceau-lab.example.net" not in str(refused.value)
    with pytest.raises(WrongFactor, match="already used"):  # the right key, same challenge
        webauthn.authenticate(engine, RP, admin, key.get(request), now=NOW)


def test_a_registration_from_a_wrong_origin_is_refused(engine, events, admin, key):
    options = webauthn.registration_options(engine, RP, admin, now=NOW)
    with pytest.raises(WrongFactor) as refused:
        webauthn.register(
            engine,
            events,
            RP,
            admin,
            key.create(options, origin="https://evil.example"),
            label="k",
            now=NOW,
        )
    assert refused.value.reason == "wrong origin"
    assert list_factors(engine, admin) == []


def test_a_counter_going_back_is_refused_as_a_cloned_key(engine, events, admin, key):
    factor = register(engine, events, admin, key)
    for _ in range(3):
        request = webauthn.authentication_options(engine, RP, admin, now=NOW)
        assert webauthn.authenticate(engine, RP, admin, key.get(request), now=NOW) == factor
    request = webauthn.authentication_options(engine, RP, admin, now=NOW)
    with pytest.raises(WrongFactor) as cloned:
        webauthn.authenticate(engine, RP, admin, key.get(request, counter=2), now=NOW)
    assert cloned.value.reason == "sign count went back"
    assert "cloned" in cloned.value.hint


def test_an_expired_challenge_and_another_accounts_key_are_refused(
    engine, events, admin, key, params
):
    from sceau.accounts import Role, add_user

    register(engine, events, admin, key)
    request = webauthn.authentication_options(engine, RP, admin, now=NOW)
    late = NOW + timedelta(minutes=webauthn.CHALLENGE_MINUTES, seconds=1)
    with pytest.raises(WrongFactor) as expired:
        webauthn.authenticate(engine, RP, admin, key.get(request), now=late)
    assert expired.value.reason == "expired challenge"

    add_user(
        engine, events, "op.one", Role.OPERATOR, "operator: violet staple", by=admin, params=params
    )
    theirs = webauthn.authentication_options(engine, RP, "op.one", now=NOW)
    with pytest.raises(WrongFactor) as foreign:  # admin's key answering op.one's challenge
        webauthn.authenticate(engine, RP, "op.one", key.get(theirs), now=NOW)
    assert foreign.value.reason == "unknown credential"
    mine = webauthn.authentication_options(engine, RP, admin, now=NOW)
    with pytest.raises(WrongFactor):  # admin's challenge claimed for op.one
        webauthn.authenticate(engine, RP, "op.one", key.get(mine), now=NOW)


def test_garbage_is_a_plain_refusal(engine, events, admin, key):
    register(engine, events, admin, key)
    for junk in ("{}", "not json", {"id": "x", "response": {}}):
        with pytest.raises(WrongFactor) as refused:
            webauthn.authenticate(engine, RP, admin, junk, now=NOW)
        assert refused.value.kind == "webauthn"


def test_the_relying_party_comes_from_the_settings(tmp_path):
    settings = load_settings(
        {"SCEAU_HOME": str(tmp_path), "SCEAU_WEBAUTHN_RP_ID": "sceau.lab.example"}
    )
    assert webauthn.RelyingParty.from_settings(settings) == webauthn.RelyingParty(
        "sceau.lab.example", "sceau", ["https://sceau.lab.example"]
    )
    custom = load_settings(
        {"SCEAU_HOME": str(tmp_path), "SCEAU_WEBAUTHN_ORIGIN": "https://sceau.lab.example:8443"}
    )
    assert custom.webauthn_origins == ["https://sceau.lab.example:8443"]
