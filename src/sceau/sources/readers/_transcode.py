"""Single-byte encodings (cp1252, latin-1) to UTF-8, a block at a time, with NumPy.

French lab exports are mostly cp1252. pyarrow decodes any encoding but UTF-8 through Python's
codecs (a decode, then an encode, holding the GIL), then checks the UTF-8 it gets. In a
single-byte encoding every byte is one character, so a table of 256 entries gives each byte's
UTF-8 form: ASCII bytes stay as they are and only the others are widened, in a few array
operations per block, and what comes out is valid UTF-8 by construction. A byte the encoding
leaves undefined (cp1252's 0x81) raises :class:`UnicodeDecodeError`, as the codec would.
"""

from __future__ import annotations

import codecs
from functools import cache

import numpy as np


@cache
def single_byte(codec: str) -> bool:
    """Whether ``codec`` reads every byte as one character whatever follows it, and ASCII as
    itself (cp1252, latin-1, iso-8859-15), so that :func:`to_utf8` can stand in for it."""
    try:
        name = codecs.lookup(codec).name
    except LookupError:
        return False
    if name.startswith("utf"):
        return False
    alone = [bytes([byte]).decode(name, errors="replace") for byte in range(256)]
    if any(len(character) != 1 for character in alone) or "".join(alone[:128]) != _ASCII:
        return False
    every_pair = [(first, second) for first in range(256) for second in range(256)]
    pairs = bytes(byte for pair in every_pair for byte in pair)
    expected = "".join(alone[first] + alone[second] for first, second in every_pair)
    return pairs.decode(name, errors="replace") == expected


_ASCII = bytes(range(128)).decode("ascii")


@cache
def _tables(codec: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per byte: its UTF-8 width (0: undefined in ``codec``), first byte, and following bytes."""
    width = np.zeros(256, dtype=np.int64)
    encoded = np.zeros((256, 3), dtype=np.uint8)
    for byte in range(256):
        try:
            utf8 = bytes([byte]).decode(codec).encode("utf-8")
        except UnicodeDecodeError:
            continue
        width[byte] = len(utf8)
        encoded[byte, : len(utf8)] = list(utf8)
    return width, encoded[:, 0].copy(), encoded[:, 1:].copy()


def to_utf8(block: bytes | memoryview, codec: str, offset: int = 0) -> bytes:
    """``bytes(block).decode(codec).encode("utf-8")`` for a single-byte ``codec``; ``offset``
    is the block's place in the file, for the error's position."""
    data = np.frombuffer(block, dtype=np.uint8)
    high = np.flatnonzero(data >= 0x80)
    if len(high) == 0:
        return bytes(block)
    width, first, following = _tables(codec)
    codes = data[high]
    widths = width[codes]
    if not widths.all():
        at = int(high[np.argmin(widths)])
        raise UnicodeDecodeError(
            codec, bytes(block), at, at + 1, f"undefined byte at offset {offset + at}"
        )
    extra = widths - 1
    after = following[codes][np.arange(2) < extra[:, None]]  # the bytes after each lead byte
    out = np.insert(data, np.repeat(high + 1, extra), after)
    out[high + np.cumsum(extra) - extra] = first[codes]
    return out.tobytes()
