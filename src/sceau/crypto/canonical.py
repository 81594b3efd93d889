"""Canonical JSON (RFC 8785, JCS): the one way a value becomes the bytes that are hashed or
signed, so that anyone re-encoding it with another JCS implementation gets the same bytes.

Objects' keys are sorted by their UTF-16 code units; no white space; strings keep every
character raw in UTF-8 except ``"`` and ``\\``, and the control characters U+0000–U+001F
(``\\b \\t \\n \\f \\r`` by name, the others as ``\\u00xx``); numbers are written as
ECMAScript writes them (integers as plain digits, at most 2⁵³ − 1 in size). The package
``rfc8785`` does the work.

The audit trail encodes every event, and ``rfc8785`` is pure Python (about 50 µs an entry, when
the whole append costs 16). For the values entries and certificates hold — ASCII keys, strings,
booleans, null, integers within ±(2⁵³ − 1) — Python's C encoder, keys sorted, compact, UTF-8,
writes exactly RFC 8785's bytes, so such values take it; anything else (a float, a non-ASCII
key) goes to ``rfc8785``. The tests hold the two to the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

from sceau.errors import SceauError

_MAX_INTEGER = 2**53 - 1  # RFC 8785 §3.2.2.3: beyond, an IEEE 754 double loses digits
_SCALARS = frozenset({str, bool, type(None)})
_COMPACT = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


class CanonicalError(SceauError):
    """A value has no canonical JSON form (a float that is not finite, an integer beyond
    2⁵³ − 1, a key that is not a string, a type JSON does not have)."""


def canonical_json(value: Any, *, plain: bool = False) -> bytes:
    """``value`` as RFC 8785 canonical JSON, UTF-8.

    ``plain=True`` is the caller's word that ``value`` holds only ASCII keys, text, booleans,
    null and integers within ±(2⁵³ − 1), and skips checking it again (the audit trail's events
    are checked when they are made).
    """
    if plain or _plain(value):
        try:
            return _COMPACT.encode(value).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: rfc8785 refuses it below
            pass
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as error:
        raise CanonicalError(
            f"a value cannot be written as canonical JSON ({type(error).__name__})",
            hint="this is a fault in sceau; please report it",
        ) from None


def _plain(value: Any) -> bool:
    """Whether ``value`` is made only of what the C encoder writes as RFC 8785 does (loops, not
    ``all()``: this runs for every audit entry)."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if type(value) is int:  # `kind is int`, written so that mypy narrows `value`
        return -_MAX_INTEGER <= value <= _MAX_INTEGER
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii() or not _plain(item):
                return False
        return True
    if kind is list:
        return all(map(_plain, value))
    return False
