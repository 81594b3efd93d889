"""Text files: which encoding, is it text at all, and on which line a problem sits.

Sniffing reads the first megabytes only; locating a bad line re-reads the file as a stream and
runs on the error path alone, so the happy path pays nothing for good messages.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from sceau.sources.base import SourceError

SNIFF_BYTES = 2 << 20  # what encoding and dialect detection look at
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Encoding:
    """``codec`` decodes the whole file (a BOM included); ``plain`` encodes text without a BOM."""

    codec: str
    plain: str
    bom: int = 0  # bytes of byte-order mark at the start


def read_head(path: Path, size: int = SNIFF_BYTES) -> bytes:
    """The first ``size`` bytes, or a SourceError saying why the file cannot be read."""
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError as error:
        raise SourceError(
            f"cannot read the file ({error.strerror})",
            hint="check that it exists and that you may read it",
            where=str(path),
        ) from None


def resolve_encoding(name: str, where: str) -> Encoding:
    """An encoding named by the user, checked against Python's codecs."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise SourceError(
            f"unknown encoding {name!r}",
            hint="use a Python codec name such as utf-8, cp1252, latin-1 or utf-16",
            where=where,
        ) from None
    if codec == "utf-8-sig":
        return Encoding("utf-8", "utf-8")
    if codec in ("utf-16", "utf-32"):
        return Encoding(codec, codec + "-le")  # the BOM says; refined by detect_encoding
    return Encoding(codec, codec)


def detect_encoding(head: bytes, where: str, declared: str | None = None) -> Encoding:
    """UTF-8 (BOM or not), UTF-16/32 with BOM, cp1252, else latin-1; binary files refused."""
    if head.startswith(codecs.BOM_UTF32_LE) or head.startswith(codecs.BOM_UTF32_BE):
        plain = "utf-32-le" if head.startswith(codecs.BOM_UTF32_LE) else "utf-32-be"
        return Encoding("utf-32", plain, 4)
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        plain = "utf-16-le" if head.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
        return Encoding("utf-16", plain, 2)
    bom = 3 if head.startswith(codecs.BOM_UTF8) else 0
    if declared is not None:
        encoding = resolve_encoding(declared, where)
        if encoding.codec == "utf-8":
            return Encoding("utf-8", "utf-8", bom)
        return encoding
    if b"\x00" in head:
        line = head.count(b"\n", 0, head.index(b"\x00")) + 1
        raise SourceError(
            "the file holds NUL bytes: it is binary, not text",
            hint="check that this is the export you meant; if it is UTF-16 without BOM, "
            "pass --encoding utf-16-le",
            where=f"{where}:{line}",
        )
    if bom or _decodes(head, "utf-8"):
        return Encoding("utf-8", "utf-8", bom)
    if _decodes(head, "cp1252"):
        return Encoding("cp1252", "cp1252")
    return Encoding("latin-1", "latin-1")


def _decodes(head: bytes, codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        decoder.decode(head, final=False)  # a character cut by the sniff window is not an error
    except UnicodeDecodeError:
        return False
    return True


def decode_sample(head: bytes, encoding: Encoding) -> str:
    """The sniffed bytes as text, a character cut at the end of the window dropped."""
    decoder = codecs.getincrementaldecoder(encoding.codec)(errors="replace")
    text = decoder.decode(head, final=False)
    return text[1:] if text.startswith("\ufeff") else text


def undecodable_line(path: Path, encoding: Encoding) -> int | None:
    """The 1-based line of the first byte ``encoding`` cannot decode, if any (error path)."""
    decoder = codecs.getincrementaldecoder(encoding.codec)()
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as error:
                before = error.object[: error.start]
                return line + before.decode(encoding.codec, errors="replace").count("\n")
            line += text.count("\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line
    return None


def encoding_error(path: Path, encoding: Encoding) -> SourceError:
    """The SourceError for bytes the encoding cannot decode, naming the line."""
    line = undecodable_line(path, encoding)
    where = f"{path}:{line}" if line else str(path)
    other = "cp1252" if encoding.codec == "utf-8" else "utf-8"
    return SourceError(
        f"bytes that are not valid {encoding.codec}",
        hint=f"pass the file's real encoding, e.g. --encoding {other} (or latin-1)",
        where=where,
    )
