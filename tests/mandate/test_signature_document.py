"""The signature document read from text, as the service reads one handed in: what sceau writes
reads back field for field, and anything else is refused as ``malformed``, never a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from sceau.crypto import signing
from sceau.mandate.sign import signature_of
from sceau.mandate.signature import VerificationError, parse_signature, signature_document

KEY = signing.from_seed(bytes(range(32)))
ONE_LINE = st.text(min_size=1, max_size=40).filter(lambda t: "\n" not in t and "\r" not in t)
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(body=st.binary(max_size=200), mandate_id=ONE_LINE, signer=ONE_LINE, moment=MOMENTS)
def test_what_sceau_writes_reads_back_and_verifies(body, mandate_id, signer, moment):
    made = signature_of(body, mandate_id, KEY, signer=signer, moment=moment)
    read = parse_signature(signature_document(made).encode("utf-8"), "signature")
    assert read == made
    message = f"{read.mandate_sha256}\n{mandate_id}\n{signer}\n{read.fingerprint}\n{read.signed_at}"
    signing.verify(
        signing.public_bytes(KEY), read.signature, signing.MANDATE, message.encode("utf-8")
    )


def _refused_or_read(raw: bytes) -> None:
    """Read, or refused as malformed, naming the signature; any other exception fails."""
    try:
        parse_signature(raw, "signature")
    except VerificationError as error:
        refusal = (error.reason, error.where)
    else:
        return
    assert refusal == ("malformed", "signature")


@given(raw=st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_as_malformed(raw):
    _refused_or_read(raw)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


@given(
    changes=st.dictionaries(
        st.sampled_from(
            [
                "format",
                "version",
                "algorithm",
                "mandate_id",
                "mandate_sha256",
                "signer",
                "fingerprint",
                "signed_at",
                "signature",
                "extra",
            ]
        ),
        JSON,
    )
)
def test_any_field_changed_to_any_json_is_read_or_refused_as_malformed(changes):
    made = signature_of(b"x", "m", KEY, signer="dr.martin", moment=datetime(2026, 1, 1, tzinfo=UTC))
    document = {**json.loads(signature_document(made)), **changes}
    _refused_or_read(json.dumps(document).encode("utf-8"))
