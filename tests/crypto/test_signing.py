"""Signatures are domain-separated: one made for a kind of artefact never verifies as another."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from sceau.crypto import signing
from sceau.crypto.signing import SignatureError

KEY = signing.generate()
PUBLIC = signing.public_bytes(KEY)
CONTEXTS = [signing.MANDATE, signing.CERTIFICATE]


@pytest.mark.parametrize(("made_for", "checked_as"), [CONTEXTS, CONTEXTS[::-1]])
def test_a_signature_for_one_context_does_not_verify_in_another(made_for, checked_as):
    signature = signing.sign(KEY, made_for, b"the same message")
    signing.verify(PUBLIC, signature, made_for, b"the same message")
    with pytest.raises(SignatureError):
        signing.verify(PUBLIC, signature, checked_as, b"the same message")


def test_a_labelled_signature_is_not_a_plain_one_and_back():
    message = b"sceau mandate v2\nabc"
    plain = signing.sign_unlabelled(KEY, message)
    with pytest.raises(SignatureError):
        signing.verify(PUBLIC, plain, signing.MANDATE, message)
    labelled = signing.sign(KEY, signing.MANDATE, b"abc")
    with pytest.raises(SignatureError):
        signing.verify_unlabelled(PUBLIC, labelled, b"abc")
    signing.verify_unlabelled(PUBLIC, labelled, message)  # the label is part of what is signed


_LABELS = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1)


@given(_LABELS, st.binary(), _LABELS, st.binary())
def test_two_different_context_and_message_pairs_never_share_signed_bytes(c1, m1, c2, m2):
    if (c1, m1) != (c2, m2):
        assert signing.labelled(c1, m1) != signing.labelled(c2, m2)


@pytest.mark.parametrize("label", ["", "two\nlines", "caf\u00e9"])
def test_a_context_is_one_line_of_printable_ascii(label):
    with pytest.raises(ValueError, match="printable ASCII"):
        signing.labelled(label, b"")


def test_pynacl_checks_a_signature_from_the_label_and_the_message_alone():
    signature = signing.sign(KEY, signing.CERTIFICATE, b"{}")
    VerifyKey(PUBLIC).verify(b"sceau deletion certificate v1\n{}", signature)
    with pytest.raises(BadSignatureError):
        VerifyKey(PUBLIC).verify(b"sceau deletion certificate v1\n{}\n", signature)


def test_the_fingerprint_is_the_lower_case_sha256_of_the_raw_key_and_the_pem_holds_it():
    assert signing.fingerprint(PUBLIC) == hashlib.sha256(PUBLIC).hexdigest()
    assert signing.fingerprint(PUBLIC) == signing.fingerprint(PUBLIC).lower()
    pem = signing.public_pem(PUBLIC)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    again = signing.load_private_pem(signing.private_pem(KEY, b"a password"), b"a password")
    assert again is not None
    assert signing.public_bytes(again) == PUBLIC
    assert signing.load_private_pem(signing.private_pem(KEY, b"a password"), b"wrong") is None
    assert signing.load_private_pem(pem.encode()) is None
