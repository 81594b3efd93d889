"""Signing and verifying mandates against a real state store: every refusal has its reason."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from sqlalchemy import select, update

from sceau.accounts import Role, add_user
from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog
from sceau.events import Event
from sceau.mandate.model import MandateError
from sceau.mandate.sign import sign_mandate
from sceau.mandate.signature import VerificationError, signature_path
from sceau.mandate.signers import list_signers, new_signer
from sceau.mandate.verify import load_verified, verify_mandate
from sceau.store import open_store
from sceau.store.errors import StoreError
from sceau.store.schema import mandates, signers, users

from . import CHEAP, EXAMPLE, NOW, PASSPHRASE, PASSWORD, accounts, write

AUDIT_KEY = AuditKey.generate()  # the template's copies share its audit trail, so its key


class Store:
    """A real SQLite state store with the accounts of ``accounts``; copied from ``template``
    when given, which spares each test creating the tables."""

    def __init__(self, folder: Path, template: Path | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if template is not None:
            shutil.copy(template, folder / "state.db")
        self.engine = open_store(f"sqlite:///{folder / 'state.db'}")
        self.events = AuditLog(self.engine, AUDIT_KEY)
        if template is None:
            accounts(self.engine, self.events)

    def execute(self, statement) -> None:
        with self.engine.begin() as connection:
            connection.execute(statement)

    def rows(self, table) -> list:
        with self.engine.connect() as connection:
            return list(connection.execute(select(table)))


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    Store(folder).engine.dispose()
    return folder / "state.db"


@pytest.fixture
def store(tmp_path, template):
    made = Store(tmp_path, template)
    yield made
    made.engine.dispose()


@pytest.fixture
def key(store, tmp_path) -> Path:
    signer = new_signer(store.engine, store.events, PASSPHRASE, tmp_path / "signers", user="claire")
    assert signer.path is not None
    return signer.path


@pytest.fixture
def signed(store, key, tmp_path) -> Path:
    path = write(tmp_path / "m.toml", EXAMPLE)
    sign_mandate(path, key, PASSPHRASE, store.engine, store.events, user="claire", now=NOW)
    return path


def refusal(path: Path, store: Store, **kwargs) -> VerificationError:
    with pytest.raises(VerificationError) as caught:
        verify_mandate(path, store.engine, store.events, **{"now": NOW, **kwargs})
    return caught.value


# --- the round trip -----------------------------------------------------------------------------


def test_sign_then_verify(store, key, signed):
    verified = load_verified(signed, store.engine, store.events, now=NOW)
    assert verified.mandate.mandate_id == "lab-a-2019-2020"
    assert verified.body == EXAMPLE.encode("utf-8")
    assert verified.signer == "claire"
    assert verified.signed_at == NOW
    (signer,) = list_signers(store.engine)
    assert verified.fingerprint == signer.fingerprint
    assert verify_mandate(signed, store.engine, store.events, now=NOW) is None

    sig = signature_path(signed)
    assert sig.name == "m.toml.sig"
    assert stat.S_IMODE(sig.stat().st_mode) == 0o600
    document = json.loads(sig.read_text())
    assert document["format"] == "sceau-mandate-signature"
    assert document["mandate_sha256"] == verified.sha256
    assert document["fingerprint"] == signer.fingerprint
    assert document["signed_at"] == "2026-03-10T09:30:00+00:00"

    (row,) = store.rows(mandates)
    assert (row.sha256, row.mandate_id, row.body) == (verified.sha256, "lab-a-2019-2020", EXAMPLE)
    assert json.loads(row.signature) == document
    assert store.events.names()[-2:] == ["signer.created", "mandate.signed"]


def test_the_signer_key_is_private_and_encrypted(store, key, tmp_path):
    assert key == tmp_path / "signers" / "claire.signer.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    header, pem = key.read_text().split("\n", 1)
    assert header.startswith("sceau-signer-key ")
    assert json.loads(header.split(" ", 1)[1])["kdf"]["memory_kib"] >= 65_536  # Argon2id
    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert PASSPHRASE not in pem
    (row,) = store.rows(signers)
    assert (row.name, row.user, len(row.public_key), row.revoked_at) == (
        "claire",
        "claire",
        32,
        None,
    )


def test_a_signer_key_is_never_overwritten(store, key, tmp_path):
    before = key.read_bytes()
    with pytest.raises(MandateError, match="already exists"):
        new_signer(store.engine, store.events, PASSPHRASE, key.parent, user="claire")
    assert key.read_bytes() == before
    assert len(store.rows(signers)) == 1
    assert sorted(p.name for p in key.parent.iterdir()) == ["claire.signer.pem"]


@pytest.mark.parametrize(
    ("suffix", "passphrase", "message"),
    [
        ("../claire", PASSPHRASE, "a key suffix is"),
        ("Two", PASSPHRASE, "a key suffix is"),
        ("2\n", PASSPHRASE, "a key suffix is"),  # a line break would forge a log line
        ("x" * 17, PASSPHRASE, "a key suffix is"),
        ("", "Qz7#kP", "too short"),
    ],
)
def test_new_signer_checks_its_inputs(store, tmp_path, suffix, passphrase, message):
    with pytest.raises(MandateError, match=message) as caught:
        new_signer(
            store.engine, store.events, passphrase, tmp_path / "k", user="claire", suffix=suffix
        )
    assert passphrase not in str(caught.value)
    assert store.rows(signers) == []


def test_signing_again_replaces_the_signature(store, key, signed):
    later = NOW + timedelta(days=1)
    sign_mandate(signed, key, PASSPHRASE, store.engine, store.events, user="claire", now=later)
    assert load_verified(signed, store.engine, store.events, now=later).signed_at == later
    assert len(store.rows(mandates)) == 1


# --- what signing refuses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('MP = { treatment = "rehash-password"', 'MP = { treatment = "keep"', "passwords"),
        ('name = "LIS Vendor SAS"', 'name = "TODO"', "TODO placeholder"),
        ("until = 2026-04-01T00:00:00Z", "until = 2026-03-10T09:00:00Z", "expired on"),
        ("retention_days = 7", "retention_days = 999999999", "from 1 to 3,650"),
        ("retention_days = 7", "retention_days = 10000000000", "from 1 to 3,650"),
        ("until = 2026-04-01T00:00:00Z", "until = 9999-12-31T23:59:59-23:59", "2000 and 2199"),
        ('"postgresql://lis@new-host/lab"', '"postgresql://root:s3cret@new-host/lab"', "password"),
    ],
)
def test_an_invalid_or_expired_mandate_is_never_signed(store, key, tmp_path, old, new, message):
    path = write(tmp_path / "m.toml", EXAMPLE.replace(old, new))
    with pytest.raises(MandateError, match=message) as caught:
        sign_mandate(path, key, PASSPHRASE, store.engine, store.events, user="claire", now=NOW)
    assert not signature_path(path).exists()
    assert store.rows(mandates) == []
    assert "mandate.signed" not in store.events.names()
    assert "s3cret" not in str(caught.value)


def test_a_wrong_passphrase_is_refused_without_repeating_it(store, key, tmp_path):
    path = write(tmp_path / "m.toml", EXAMPLE)
    with pytest.raises(MandateError, match="wrong passphrase") as caught:
        sign_mandate(
            path, key, "not the passphrase", store.engine, store.events, user="claire", now=NOW
        )
    assert "not the passphrase" not in str(caught.value)
    assert not signature_path(path).exists()


def test_only_a_controller_signs_with_their_own_registered_key(store, key, tmp_path):
    path = write(tmp_path / "m.toml", EXAMPLE)
    args = (path, key, PASSPHRASE, store.engine, store.events)
    with pytest.raises(MandateError, match="only an active controller"):
        sign_mandate(*args, user="otto", now=NOW)
    with pytest.raises(MandateError, match="only an active controller"):
        sign_mandate(*args, user="nobody", now=NOW)
    add_user(
        store.engine, store.events, "camille", Role.CONTROLLER, PASSWORD, by="admin", params=CHEAP
    )
    with pytest.raises(MandateError, match="belongs to another account"):
        sign_mandate(*args, user="camille", now=NOW)
    store.execute(update(signers).values(revoked_at=NOW))
    with pytest.raises(MandateError, match="was revoked"):
        sign_mandate(*args, user="claire", now=NOW)
    assert not signature_path(path).exists()


def test_a_key_from_elsewhere_is_not_a_signer(store, tmp_path, template):
    other = Store(tmp_path / "other", template)
    stranger = new_signer(
        other.engine, other.events, PASSPHRASE, tmp_path / "other-keys", user="claire"
    )
    path = write(tmp_path / "m.toml", EXAMPLE)
    with pytest.raises(MandateError, match="not a registered signer"):
        sign_mandate(
            path, stranger.path, PASSPHRASE, store.engine, store.events, user="claire", now=NOW
        )
    other.engine.dispose()


class BrokenSink:
    def record(self, event: Event) -> None:
        raise StoreError("cannot record the event")


def test_nothing_is_left_half_written_when_the_event_cannot_be_recorded(store, key, tmp_path):
    path = write(tmp_path / "m.toml", EXAMPLE)
    with pytest.raises(StoreError):
        sign_mandate(path, key, PASSPHRASE, store.engine, BrokenSink(), user="claire", now=NOW)
    assert not signature_path(path).exists()
    assert store.rows(mandates) == []
    with pytest.raises(StoreError):
        new_signer(
            store.engine, BrokenSink(), PASSPHRASE, key.parent, user="claire", suffix="other"
        )
    assert not (key.parent / "claire-other.signer.pem").exists()
    assert len(store.rows(signers)) == 1


# --- what verification refuses ------------------------------------------------------------------


def test_an_unsigned_mandate_is_refused(store, tmp_path):
    error = refusal(write(tmp_path / "m.toml", EXAMPLE), store)
    assert error.reason == "unsigned"
    assert "unsigned" in error.message


def test_a_missing_mandate_is_refused(store, tmp_path):
    assert refusal(tmp_path / "nowhere.toml", store).reason == "unreadable"


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda d: "not json",
        lambda d: json.dumps([d]),
        lambda d: json.dumps({k: v for k, v in d.items() if k != "signed_at"}),
        lambda d: json.dumps({**d, "comment": "hello"}),
        lambda d: json.dumps({**d, "version": 3}),
        lambda d: json.dumps({**d, "version": True}),
        lambda d: json.dumps({**d, "algorithm": "rsa"}),
        lambda d: json.dumps({**d, "signature": "***"}),
        lambda d: json.dumps({**d, "signature": d["signature"][:40]}),
        lambda d: json.dumps({**d, "mandate_sha256": d["mandate_sha256"].upper()}),
        lambda d: json.dumps({**d, "fingerprint": 12}),
        lambda d: json.dumps({**d, "signed_at": "yesterday"}),
        lambda d: json.dumps({**d, "signed_at": "2026-03-10T09:30:00"}),
        lambda d: "[" * 60_000,
    ],
)
def test_a_malformed_signature_file_is_refused(store, signed, corrupt):
    sig = signature_path(signed)
    sig.write_text(corrupt(json.loads(sig.read_text())))
    error = refusal(signed, store)
    assert error.reason == "malformed"
    assert error.message == "the signature file is malformed"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("signed_at", "2026-03-01T09:30:00+00:00"),
        ("mandate_id", "another-mandate"),
        ("signer", "camille"),  # the name is signed too: a renamed signer is another claim
    ],
)
def test_a_tampered_signature_file_is_refused(store, signed, field, value):
    sig = signature_path(signed)
    document = json.loads(sig.read_text())
    document[field] = value
    sig.write_text(json.dumps(document))
    assert refusal(signed, store).reason == "bad-signature"


def test_the_documented_recipe_alone_checks_a_mandate_signature(store, signed):
    """docs/recipes.md's steps with PyNaCl: the mandate, its .sig and the signer's public key
    (as `sceau keys signers --export` gives it), no function of sceau's."""
    document = json.loads(signature_path(signed).read_text())
    (signer,) = list_signers(store.engine)
    public = signer.public_key
    assert hashlib.sha256(public).hexdigest() == document["fingerprint"]
    lines = [
        "sceau mandate v2",
        hashlib.sha256(signed.read_bytes()).hexdigest(),
        document["mandate_id"],
        document["signer"],
        document["fingerprint"],
        document["signed_at"],
    ]
    message = "\n".join(lines).encode("utf-8")
    signature = base64.b64decode(document["signature"])
    VerifyKey(public).verify(message, signature)
    for wrong in (message + b"\n", message.replace(b"claire", b"camille")):
        with pytest.raises(BadSignatureError):
            VerifyKey(public).verify(wrong, signature)


def test_a_first_format_signature_is_refused_with_a_request_to_sign_again(store, signed):
    sig = signature_path(signed)
    sig.write_text(json.dumps({**json.loads(sig.read_text()), "version": 1}))
    error = refusal(signed, store)
    assert error.reason == "malformed"
    assert error.message == (
        "the signature file is in sceau's first format, which did not sign the signer's name"
    )
    assert "sign the mandate again" in error.hint


def test_a_signature_from_another_mandate_is_refused(store, key, signed, tmp_path):
    other = write(tmp_path / "other.toml", EXAMPLE.replace("lab-a-2019-2020", "lab-b-2019"))
    sign_mandate(other, key, PASSPHRASE, store.engine, store.events, user="claire", now=NOW)
    shutil.copy(signature_path(other), signature_path(signed))
    error = refusal(signed, store)
    assert (error.reason, error.message) == ("changed", "the mandate was changed after signing")


def test_an_unknown_signer_is_refused(signed, tmp_path, template):
    elsewhere = Store(tmp_path / "elsewhere", template)
    error = refusal(signed, elsewhere)
    assert error.reason == "unknown-signer"
    assert error.message.startswith("unknown signer")
    elsewhere.engine.dispose()


def test_a_revoked_signer_is_refused(store, signed):
    store.execute(update(signers).values(revoked_at=NOW + timedelta(hours=1)))
    error = refusal(signed, store)
    assert error.reason == "revoked-signer"
    assert "revoked on 2026-03-10" in error.message


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (update(users).where(users.c.name == "claire").values(role="operator"), "operator"),
        (update(users).where(users.c.name == "claire").values(disabled_at=NOW), "disabled"),
    ],
)
def test_the_signer_must_still_be_an_active_controller(store, signed, change, problem):
    store.execute(change)
    error = refusal(signed, store)
    assert error.reason == "signer-account"
    assert problem in error.message


def test_validity_is_checked_with_the_given_clock(store, signed):
    expired = refusal(signed, store, now=NOW.replace(month=4, day=1, hour=0, minute=0))
    assert (expired.reason, expired.message) == (
        "expired",
        "the mandate expired on 2026-04-01 00:00 UTC",
    )
    early = refusal(signed, store, now=NOW.replace(month=2, day=28, hour=23, minute=59))
    assert (early.reason, early.message) == (
        "not-yet-valid",
        "the mandate is not valid before 2026-03-01 00:00 UTC",
    )
    verify_mandate(signed, store.engine, store.events, now=NOW.replace(day=1, hour=0, minute=0))


def test_a_mandate_that_no_longer_follows_the_rules_is_refused(store, signed, monkeypatch):
    def stricter(mandate) -> None:
        raise MandateError("a rule added since", where="m.toml: columns.MP")

    monkeypatch.setattr("sceau.mandate.verify.check_mandate", stricter)
    error = refusal(signed, store)
    assert (error.reason, error.message, error.where) == (
        "invalid",
        "a rule added since",
        "m.toml: columns.MP",
    )


# --- any change, anywhere -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sealed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sealed")
    made = Store(folder)
    key = new_signer(made.engine, made.events, PASSPHRASE, folder / "k", user="claire")
    path = write(folder / "m.toml", EXAMPLE)
    sign_mandate(path, key.path, PASSPHRASE, made.engine, made.events, user="claire", now=NOW)
    yield made, path
    made.engine.dispose()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_single_changed_byte_of_the_mandate_is_refused(sealed, data):
    made, path = sealed
    body = bytearray(path.read_bytes())
    index = data.draw(st.integers(0, len(body) - 1))
    body[index] ^= data.draw(st.integers(1, 255))
    copy = path.with_name("changed.toml")
    copy.write_bytes(bytes(body))
    shutil.copy(signature_path(path), signature_path(copy))
    error = refusal(copy, made)
    assert (error.reason, error.message) == ("changed", "the mandate was changed after signing")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_changed_character_of_a_signed_field_is_refused(sealed, data):
    made, path = sealed
    document = json.loads(signature_path(path).read_text())
    fields = ["mandate_sha256", "mandate_id", "signer", "fingerprint", "signed_at", "signature"]
    field = data.draw(st.sampled_from(fields))
    value = document[field]
    index = data.draw(st.integers(0, len(value) - 1))
    replacement = data.draw(st.characters(codec="utf-8").filter(lambda c: c != value[index]))
    document[field] = value[:index] + replacement + value[index + 1 :]
    copy = path.with_name("resigned.toml")
    copy.write_bytes(path.read_bytes())
    signature_path(copy).write_text(json.dumps(document))
    error = refusal(copy, made)
    assert error.reason in {"malformed", "changed", "unknown-signer", "bad-signature"}
