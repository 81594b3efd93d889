"""The signed deletion certificate: what the controller keeps to show the staging is gone.

It states the run, the mandate's hash, the counts and digests, which key was destroyed where,
when and by whom, and is signed with the installation's Ed25519 certificate key (minted on first
use, held wrapped by the key provider like every other secret). Anyone with the certificate can
check it: the public key and its fingerprint are in it, and :func:`verify_certificate` raises on
any change. The signed bytes are the body's RFC 8785 canonical JSON under the context label
``sceau deletion certificate v1`` (docs/recipes.md).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from sceau import b64
from sceau.crypto import signing
from sceau.crypto.canonical import CanonicalError, canonical_json
from sceau.crypto.signing import SignatureError
from sceau.errors import SceauError
from sceau.events import EventSink
from sceau.keys import material
from sceau.keys.base import KeyProvider

CERTIFICATE_KEY_ID = "sceau-certificates"


class CertificateError(SceauError):
    """A deletion certificate does not verify."""


@dataclass(frozen=True)
class Certificate:
    """A signed deletion certificate; ``kind`` picks its HTML template."""

    body: dict[str, Any]
    signature: dict[str, str]
    kind: str = "certificate"

    def to_dict(self) -> dict[str, Any]:
        return {**self.body, "signature": self.signature}

    @property
    def sha256(self) -> str:
        return certificate_sha256(self.to_dict())


def _signing_key(
    provider: KeyProvider, engine: Engine, events: EventSink, *, actor: str
) -> signing.PrivateKey:
    """The installation's certificate key, minted on first use and held wrapped."""
    secret = material.fetch(provider, engine, CERTIFICATE_KEY_ID) or material.mint(
        provider,
        engine,
        events,
        CERTIFICATE_KEY_ID,
        purpose="certificate",
        owner="sceau",
        actor=actor,
        value=signing.seed(signing.generate()),
    )
    return signing.from_seed(secret.value)


def certificate_public_key(
    provider: KeyProvider, engine: Engine, events: EventSink, *, actor: str
) -> bytes:
    """The certificate key's raw public key: its fingerprint is what controllers pin."""
    return signing.public_bytes(_signing_key(provider, engine, events, actor=actor))


def issue_certificate(
    provider: KeyProvider, engine: Engine, events: EventSink, body: dict[str, Any], *, actor: str
) -> Certificate:
    """Sign ``body`` (JSON-ready facts of one shredded run) with the installation's key."""
    private = _signing_key(provider, engine, events, actor=actor)
    public = signing.public_bytes(private)
    signature = signing.sign(private, signing.CERTIFICATE, canonical_json(body))
    return Certificate(
        body=body,
        signature={
            "algorithm": "Ed25519",
            "public_key": base64.b64encode(public).decode(),
            "fingerprint": signing.fingerprint(public),
            "value": base64.b64encode(signature).decode(),
        },
    )


def verify_certificate(data: dict[str, Any], *, fingerprint: str | None = None) -> None:
    """Raise CertificateError unless ``data`` is a certificate exactly as signed (and, when
    ``fingerprint`` is given, signed by that key)."""
    body = {k: v for k, v in data.items() if k != "signature"}
    signature = data.get("signature")
    if not isinstance(signature, dict) or signature.get("algorithm") != "Ed25519":
        raise CertificateError("the certificate has no Ed25519 signature")
    try:
        public = b64.decode(signature["public_key"])
        value = b64.decode(signature["value"])
    except (KeyError, ValueError, TypeError):
        raise CertificateError("the certificate's signature block is malformed") from None
    if signing.fingerprint(public) != signature.get("fingerprint"):
        raise CertificateError("the certificate's key does not match its fingerprint")
    if fingerprint is not None and signature.get("fingerprint") != fingerprint.strip().lower():
        raise CertificateError("the certificate was signed by another key")
    try:
        signing.verify(public, value, signing.CERTIFICATE, canonical_json(body))
    except (SignatureError, CanonicalError):
        raise CertificateError(
            "the certificate was changed after signing", hint="ask for the original"
        ) from None


def certificate_sha256(data: dict[str, Any]) -> str:
    """The certificate's hash, as events and reports cite it: SHA-256 of its canonical JSON
    (RFC 8785), so it does not depend on how the file was indented."""
    return hashlib.sha256(canonical_json(data)).hexdigest()
