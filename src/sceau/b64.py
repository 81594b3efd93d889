"""Base64 with one spelling per value, for signatures and keys read back from files.

Standard base64 lets the last character before the padding carry bits that decoding ignores:
``…A==`` and ``…B==`` can decode to the same bytes. A verifier that accepted both would call
two different files the same signature. sceau reads back only the spelling it writes.
"""

from __future__ import annotations

import base64
import binascii


def decode(text: str) -> bytes:
    """The bytes ``text`` encodes, if ``text`` is exactly how base64 writes them; ValueError
    otherwise (wrong alphabet, wrong padding, or ignored bits set)."""
    try:
        value = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise ValueError("not base64") from error
    if base64.b64encode(value).decode("ascii") != text:
        raise ValueError("not base64 as sceau writes it")
    return value
