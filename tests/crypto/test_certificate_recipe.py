"""A deletion certificate checked with PyNaCl and the steps of docs/recipes.md alone."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from sceau.migrate.certificate import verify_certificate


def recipe_bytes(certificate: dict) -> bytes:
    """Step by step: every field but ``signature``, keys sorted, no white space, non-ASCII as
    raw UTF-8 (RFC 8785 for these values), after the line ``sceau deletion certificate v1``."""
    body = {k: v for k, v in certificate.items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b"sceau deletion certificate v1\n" + text.encode("utf-8")


def test_pynacl_checks_a_certificate_from_the_recipe(certificate):
    block = certificate["signature"]
    public = base64.b64decode(block["public_key"])
    assert hashlib.sha256(public).hexdigest() == block["fingerprint"]
    message = recipe_bytes(certificate)
    assert "Évry €".encode() in message  # raw UTF-8, not \u escapes
    VerifyKey(public).verify(message, base64.b64decode(block["value"]))
    verify_certificate(certificate, fingerprint=block["fingerprint"])
    verify_certificate(certificate, fingerprint=f" {block['fingerprint'].upper()}\n")  # pasted


def test_the_recipe_bytes_are_exact(certificate):
    block = certificate["signature"]
    key, signature = VerifyKey(base64.b64decode(block["public_key"])), block["value"]
    message = recipe_bytes(certificate)
    body = {k: v for k, v in certificate.items() if k != "signature"}
    escaped = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")  # \u00c9
    ascii_escaped = b"sceau deletion certificate v1\n" + escaped
    for wrong in (message + b"\n", message.replace(b"v1\n", b"v1\r\n"), ascii_escaped):
        with pytest.raises(BadSignatureError):
            key.verify(wrong, base64.b64decode(signature))
