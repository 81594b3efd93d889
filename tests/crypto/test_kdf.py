"""The one key derivation is RFC 5869 HKDF-SHA256, checked against the RFC and a hand-made
HKDF; the audit trail's seal key is the one it always was."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from sceau.crypto import _hazmat
from sceau.crypto.kdf import derive_key


def hkdf(key: bytes, info: bytes) -> bytes:
    """RFC 5869 for 32 bytes out, no salt, written from the RFC's two steps."""
    prk = hmac.new(b"\0" * 32, key, hashlib.sha256).digest()
    return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()


def test_rfc5869_test_case_3():
    okm = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
    assert _hazmat.hkdf_sha256(b"\x0b" * 22, b"").hex() == okm
    assert hkdf(b"\x0b" * 22, b"").hex() == okm


def test_a_derived_key_is_hkdf_with_the_label_after_sceau():
    key = bytes(range(32))
    assert derive_key(key, "pseudonym hmac") == hkdf(key, b"sceau pseudonym hmac")
    assert derive_key(key, "pseudonym hmac") != derive_key(key, "field encryption")


def test_the_audit_seal_key_is_what_docs_audit_md_states():
    seed = bytes(range(100, 132))
    assert derive_key(seed, "audit seal v1") == hkdf(seed, b"sceau audit seal v1")


@pytest.mark.parametrize("label", ["", "caf\u00e9", "line\nbreak"])
def test_a_label_is_printable_ascii(label):
    with pytest.raises(ValueError, match="printable ASCII"):
        derive_key(b"\0" * 32, label)
