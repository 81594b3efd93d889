"""What the audit trail proves about signer keys: the only ground a mandate's signature stands on.

The ``signers`` table can be edited by anyone who can write to the state store; the audit trail
cannot be edited unseen (each entry sealed, its tree signed). So a signature counts only when the
trail, checked intact up to its head, holds the ``signer.created`` entry in which an account
registered exactly this public key for itself, and no ``signer.revoked`` entry for the key.

A revocation refuses every mandate the key signed, before or after it: whoever holds a stolen
key can write any ``signed_at`` into a signature, so the date in it proves nothing. The
controller signs the mandates still needed again, with a new key.

The trail is read once per command (:func:`prove_signers`), not per mandate or batch.
"""

from __future__ import annotations

import binascii
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sceau import b64
from sceau.crypto import signing
from sceau.errors import SceauError
from sceau.mandate.signature import VerificationError

SIGNER_EVENTS = ("signer.created", "signer.revoked")
_PUBLIC_KEY_BYTES = 32  # raw Ed25519


class TrailEntry(Protocol):
    """One entry of the audit trail, as the trail reads it back."""

    @property
    def name(self) -> str: ...

    @property
    def actor(self) -> str: ...

    @property
    def at(self) -> datetime: ...

    def get(self, field: str, default: Any = None) -> Any: ...


class ProvenTrail(Protocol):
    """An audit trail that can say what it holds only after checking itself."""

    def proven_entries(self, names: Collection[str]) -> Sequence[TrailEntry]:
        """The entries of these names, oldest first, from a trail checked intact up to its
        head; a SceauError when the trail does not verify or cannot be read."""
        ...


@dataclass(frozen=True)
class KeyProof:
    """A signer key as the trail knows it: who registered it, and whether it was revoked."""

    fingerprint: str
    account: str
    public_key: bytes  # raw Ed25519, 32 bytes, as registered
    registered_at: datetime
    revoked_at: datetime | None = None
    revoked_by: str | None = None


@dataclass(frozen=True)
class SignerProof:
    """Every signer key the trail proves, by fingerprint."""

    keys: Mapping[str, KeyProof]

    def key(self, fingerprint: str) -> KeyProof | None:
        return self.keys.get(fingerprint)


def prove_signers(trail: ProvenTrail) -> SignerProof:
    """The signer keys the trail proves; VerificationError ``trail-broken`` if it cannot."""
    try:
        entries = trail.proven_entries(SIGNER_EVENTS)
    except SceauError as error:
        raise VerificationError(
            "trail-broken",
            f"no signer key can be proven: {error.message}",
            hint="run `sceau audit verify`; until the trail is intact no signature is accepted",
        ) from None
    registered: dict[str, KeyProof] = {}
    revoked: dict[str, TrailEntry] = {}
    for entry in entries:
        fingerprint = str(entry.get("fingerprint", ""))
        if entry.name == "signer.revoked":
            revoked.setdefault(fingerprint, entry)  # the first revocation stands
        elif fingerprint not in registered:  # a key is registered once; a repeat changes nothing
            proof = _registration(entry, fingerprint)
            if proof is not None:
                registered[fingerprint] = proof
    keys = {}
    for fingerprint, proof in registered.items():
        revocation = revoked.get(fingerprint)
        if revocation is not None:
            proof = KeyProof(
                fingerprint=proof.fingerprint,
                account=proof.account,
                public_key=proof.public_key,
                registered_at=proof.registered_at,
                revoked_at=revocation.at,
                revoked_by=revocation.actor,
            )
        keys[fingerprint] = proof
    return SignerProof(keys)


def _registration(entry: TrailEntry, fingerprint: str) -> KeyProof | None:
    """The key a ``signer.created`` entry registers, if it registers one: by its owner, for
    itself, with the public key whose fingerprint it gives. Entries written before sceau
    recorded the public key prove nothing."""
    account, encoded = entry.get("account"), entry.get("public_key")
    if not isinstance(account, str) or not isinstance(encoded, str):
        return None
    if entry.actor != account or entry.get("signer") != account:
        return None
    try:
        public = b64.decode(encoded)
    except (ValueError, binascii.Error):
        return None
    if len(public) != _PUBLIC_KEY_BYTES or signing.fingerprint(public) != fingerprint:
        return None
    return KeyProof(fingerprint, account, public, entry.at)
