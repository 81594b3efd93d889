"""RFC 8785 canonical JSON: the RFC's own examples, checked by hand, and the promise that
entries and certificates written before it keep their bytes."""

from __future__ import annotations

import json
import struct

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from sceau.crypto.canonical import CanonicalError, canonical_json

# RFC 8785 §3.2.2: every kind of value, in one object
RFC_INPUT = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC_OUTPUT = (
    r'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    r'"string":"€$\u000f\nA' + "'" + r'B\"\\\\\"/"}'
)

# RFC 8785 Appendix B: IEEE 754 doubles (as hex) and how ECMAScript writes them
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),  # minus zero
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("41b3de4355555555", "333333333.3333333"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
]


def test_the_rfc_example_of_every_kind_of_value():
    assert canonical_json(json.loads(RFC_INPUT)) == RFC_OUTPUT.encode("utf-8")


def test_keys_are_sorted_by_utf16_code_units_not_code_points():
    # RFC 8785 §3.2.3: U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB33
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    encoded = canonical_json({key: 0 for key in keys}).decode("utf-8")
    order = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert encoded == "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:0" for k in order) + "}"
    assert sorted(keys) != order  # Python's own order (code points) would differ


@pytest.mark.parametrize(("bits", "written"), NUMBERS)
def test_numbers_are_written_as_ecmascript_writes_them(bits, written):
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    assert canonical_json([value]) == f"[{written}]".encode("ascii")


def test_non_ascii_stays_raw_utf8_and_controls_are_escaped():
    assert canonical_json({"é": "Hébergement €\U0001f600"}) == (
        '{"é":"Hébergement €\U0001f600"}'.encode()
    )
    assert canonical_json("\x00\x08\t\n\x0c\r\x1f\x7f/") == b'"\\u0000\\b\\t\\n\\f\\r\\u001f\x7f/"'


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), 2**53, -(2**53), {1: "a"}, {"a": object()}]
)
def test_values_without_a_canonical_form_are_refused(value):
    with pytest.raises(CanonicalError):
        canonical_json(value)


_ASCII_KEYS = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
_TEXT = st.text(st.characters(exclude_categories=["Cs"]))  # no lone surrogates
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), _TEXT)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_ASCII_KEYS, inner, max_size=4),
    max_leaves=20,
)


@given(_VALUES)
def test_entries_and_certificates_keep_the_bytes_sorted_compact_json_gave_them(value):
    """What audit entries and certificates hold (ASCII keys; strings, integers, booleans, null):
    RFC 8785 writes it exactly as sceau wrote it before, so old trails and certificates verify."""
    before = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert rfc8785.dumps(value) == before.encode("utf-8")


_ANY_KEYS = st.text(st.characters(exclude_categories=["Cs"]), max_size=6)
_ANY_SCALARS = st.one_of(
    _SCALARS, st.integers(), st.floats(allow_nan=False, allow_infinity=False), _TEXT
)
_ANY_VALUES = st.recursive(
    _ANY_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_ANY_KEYS, inner, max_size=4),
    max_leaves=20,
)


@given(_ANY_VALUES)
def test_the_fast_path_writes_what_the_rfc8785_package_writes(value):
    """Plain values take Python's C encoder; the rfc8785 package is the oracle for every value."""
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        with pytest.raises(CanonicalError):
            canonical_json(value)
        return
    assert canonical_json(value) == expected
