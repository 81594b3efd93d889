"""A signature counts only where the audit trail proves its key: the attacks of the security
review, each played against a real state store and trail, each refused with its own reason."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from sceau.accounts import Role, add_user
from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog
from sceau.crypto import signing
from sceau.events import SignerCreated
from sceau.mandate.model import MandateError
from sceau.mandate.proof import prove_signers
from sceau.mandate.sign import sign_mandate
from sceau.mandate.signature import (
    MandateSignature,
    VerificationError,
    signature_document,
    signature_path,
    signed_message,
)
from sceau.mandate.signers import list_signers, new_signer, revoke_signer
from sceau.mandate.verify import load_verified
from sceau.store import open_store
from sceau.store.schema import audit_entries, signers

from . import CHEAP, EXAMPLE, NOW, PASSPHRASE, PASSWORD, accounts, write


class Store:
    def __init__(self, folder: Path) -> None:
        self.engine = open_store(f"sqlite:///{folder / 'state.db'}")
        self.events = AuditLog(self.engine, AuditKey.generate())
        accounts(self.engine, self.events)
        add_user(
            self.engine, self.events, "camille", Role.CONTROLLER, PASSWORD, by="admin", params=CHEAP
        )

    def execute(self, statement) -> None:
        with self.engine.begin() as connection:
            connection.execute(statement)


@pytest.fixture
def store(tmp_path):
    made = Store(tmp_path)
    yield made
    made.engine.dispose()


@pytest.fixture
def claire(store, tmp_path):
    """claire's key, registered by claire herself."""
    return new_signer(store.engine, store.events, PASSPHRASE, tmp_path / "keys", user="claire")


@pytest.fixture
def signed(store, claire, tmp_path) -> Path:
    path = write(tmp_path / "m.toml", EXAMPLE)
    sign_mandate(path, claire.path, PASSPHRASE, store.engine, store.events, user="claire", now=NOW)
    return path


def refusal(path: Path, store: Store) -> VerificationError:
    with pytest.raises(VerificationError) as caught:
        load_verified(path, store.engine, store.events, now=NOW)
    return caught.value


def forge(path: Path, key: signing.PrivateKey, name: str) -> None:
    """A signature file made by hand with ``key``, claiming ``name``: what an insider writes."""
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    fingerprint = signing.fingerprint(signing.public_bytes(key))
    at = NOW.isoformat(timespec="seconds")
    message = signed_message(digest, "lab-a-2019-2020", name, fingerprint, at)
    document = signature_document(
        MandateSignature(
            mandate_id="lab-a-2019-2020",
            mandate_sha256=digest,
            signer=name,
            fingerprint=fingerprint,
            signed_at=at,
            signature=signing.sign(key, signing.MANDATE, message),
        )
    )
    signature_path(path).write_text(document, encoding="utf-8")


def smuggle(store: Store, key: signing.PrivateKey, name: str, user: str) -> None:
    """A row written straight into the signers table, as anyone with the store's password can."""
    public = signing.public_bytes(key)
    row = {"fingerprint": signing.fingerprint(public), "name": name, "user": user}
    store.execute(insert(signers).values(**row, public_key=public, created_at=NOW))


# --- the honest path ----------------------------------------------------------------------------


def test_a_key_registered_by_its_owner_is_proven(store, claire, signed):
    verified = load_verified(signed, store.engine, store.events, now=NOW)
    assert (verified.signer, verified.fingerprint) == ("claire", claire.fingerprint)
    proof = prove_signers(store.events)
    known = proof.key(claire.fingerprint)
    assert known is not None
    assert (known.account, known.public_key, known.revoked_at) == (
        "claire",
        claire.public_key,
        None,
    )
    [entry] = [e for e in store.events.read() if e.name == "signer.created"]
    assert entry.actor == "claire"
    assert entry.payload == {
        "signer": "claire",
        "account": "claire",
        "fingerprint": claire.fingerprint,
        "public_key": base64.b64encode(claire.public_key).decode("ascii"),
    }
    # a proof made once serves several mandates: the trail is read once per command
    assert load_verified(signed, store.engine, proof, now=NOW).signer == "claire"


def test_a_key_carries_its_owners_name_and_no_other(store, claire, tmp_path):
    assert (claire.name, claire.user) == ("claire", "claire")
    assert claire.path == tmp_path / "keys" / "claire.signer.pem"
    second = new_signer(
        store.engine, store.events, PASSPHRASE, tmp_path / "keys", user="claire", suffix="2027"
    )
    assert (second.name, second.path.name) == ("claire", "claire-2027.signer.pem")
    for who in ("otto", "admin", "nobody"):  # only a controller holds a signer key
        with pytest.raises(MandateError, match="only an active controller"):
            new_signer(store.engine, store.events, PASSPHRASE, tmp_path / who, user=who)
    assert {s.name for s in list_signers(store.engine)} == {"claire"}


# --- the forged signer --------------------------------------------------------------------------


def test_a_key_smuggled_into_the_table_under_the_controllers_name_is_refused(
    store, claire, tmp_path
):
    insider = signing.generate()
    smuggle(store, insider, "claire", "claire")
    path = write(tmp_path / "keep-nir.toml", EXAMPLE.replace('"pseudonymise:nir"', '"keep"'))
    forge(path, insider, "claire")
    error = refusal(path, store)
    assert error.reason == "unproven-signer"
    assert "registered outside sceau" in error.message
    assert "security officer" in error.hint


def test_a_registration_made_in_someone_elses_name_proves_nothing(store, claire, tmp_path):
    """An entry whose actor is not the account it registers for (whoever wrote it) is no
    registration by the owner."""
    insider = signing.generate()
    public = signing.public_bytes(insider)
    fingerprint = signing.fingerprint(public)
    store.events.record(
        SignerCreated(
            actor="otto",
            signer="claire",
            account="claire",
            fingerprint=fingerprint,
            public_key=base64.b64encode(public).decode("ascii"),
        )
    )
    smuggle(store, insider, "claire", "claire")
    path = write(tmp_path / "m.toml", EXAMPLE)
    forge(path, insider, "claire")
    assert refusal(path, store).reason == "unproven-signer"
    assert prove_signers(store.events).key(fingerprint) is None


@pytest.mark.parametrize(
    "change",
    [
        {"user": "camille"},  # the key handed to another controller in the table
        {"name": "camille", "user": "camille"},
        {"name": "camille"},
    ],
)
def test_a_table_that_tells_another_story_than_the_trail_is_refused(store, signed, change):
    store.execute(update(signers).values(**change))
    error = refusal(signed, store)
    assert error.reason == "signer-mismatch"
    assert "disagree" in error.message


def test_a_public_key_swapped_in_the_table_is_refused(store, claire, tmp_path):
    """The insider keeps claire's fingerprint but puts their own public key in its row."""
    insider = signing.generate()
    store.execute(update(signers).values(public_key=signing.public_bytes(insider)))
    path = write(tmp_path / "m.toml", EXAMPLE)
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    at = NOW.isoformat(timespec="seconds")
    message = signed_message(digest, "lab-a-2019-2020", "claire", claire.fingerprint, at)
    signature_path(path).write_text(
        signature_document(
            MandateSignature(
                "lab-a-2019-2020",
                digest,
                "claire",
                claire.fingerprint,
                at,
                signing.sign(insider, signing.MANDATE, message),
            )
        )
    )
    assert refusal(path, store).reason == "signer-mismatch"


def test_a_trail_that_does_not_verify_proves_no_key(store, signed):
    with store.engine.begin() as connection:
        seq = connection.execute(
            select(audit_entries.c.seq).where(audit_entries.c.name == "signer.created")
        ).scalar_one()
        connection.execute(
            update(audit_entries)
            .where(audit_entries.c.seq == seq)
            .values(entry=audit_entries.c.entry + b" ")
        )
    error = refusal(signed, store)
    assert error.reason == "trail-broken"
    assert "audit trail does not verify" in error.message
    assert "sceau audit verify" in error.hint


# --- revocation ---------------------------------------------------------------------------------


def test_a_revoked_key_refuses_every_mandate_it_signed_even_before(store, claire, signed):
    later = NOW + timedelta(days=1)
    revoked = revoke_signer(
        store.engine,
        store.events,
        claire.fingerprint,
        by="claire",
        reason="laptop\nstolen",
        now=later,
    )
    assert revoked.revoked_at == later
    error = refusal(signed, store)  # signed a day before the revocation
    assert error.reason == "revoked-signer"
    assert "whenever it was signed" in error.message
    last = list(store.events.read())[-1]
    assert (last.name, last.actor) == ("signer.revoked", "claire")
    assert last.payload == {
        "account": "claire",
        "fingerprint": claire.fingerprint,
        "reason": "laptop stolen",  # one line
    }
    with pytest.raises(MandateError, match="was revoked"):
        sign_mandate(
            signed, claire.path, PASSPHRASE, store.engine, store.events, user="claire", now=later
        )
    # the insider clears the table's mark: the trail still says revoked
    store.execute(update(signers).values(revoked_at=None))
    assert refusal(signed, store).reason == "revoked-signer"


def test_only_the_owner_or_an_admin_revokes(store, claire):
    def revoke(by: str, reason: str = "compromised") -> None:
        revoke_signer(store.engine, store.events, claire.fingerprint, by=by, reason=reason)

    for who in ("otto", "camille", "nobody"):
        with pytest.raises(MandateError, match="only the key's owner or an admin"):
            revoke(who)
    for reason in ("", "   ", "x" * 201):
        with pytest.raises(MandateError, match="give a reason"):
            revoke("claire", reason)
    assert "signer.revoked" not in store.events.names()
    revoke("admin")
    with pytest.raises(MandateError, match="already revoked"):
        revoke("claire")
    with pytest.raises(MandateError, match="no registered signer"):
        revoke_signer(store.engine, store.events, "0" * 64, by="admin", reason="typo")
    known = prove_signers(store.events).key(claire.fingerprint)
    assert known is not None
    assert known.revoked_by == "admin"
