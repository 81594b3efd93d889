"""Text files: which encoding, is it text at all, and on which line a problem sits.

Sniffing reads the first megabytes only; locating a bad line re-reads the file as a stream and
runs on the error path alone, so the happy path pays nothing for good messages.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sceau.sources.base import Opener, SourceError

SNIFF_BYTES = 2 << 20  # what encoding and dialect detection look at
_CHUNK = 1 << 20
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)")


@dataclass(frozen=True)
class Encoding:
    """``codec`` decodes the whole file (a BOM included); ``plain`` encodes text without a BOM."""

    codec: str
    plain: str
    bom: int = 0  # bytes of byte-order mark at the start


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


def text_lines(file: Opener, encoding: Encoding) -> Iterator[str]:
    """The file as decoded lines, each with its ending (``\r\n``, ``\r`` or ``\n``, as
    ``open(newline="")`` splits them), a byte-order mark dropped (error path).

    A character cut by the end of the file is dropped too, as a truncated transfer leaves it:
    :func:`undecodable` tells the caller. Bad bytes elsewhere raise UnicodeDecodeError.
    """
    decoder = codecs.getincrementaldecoder(encoding.codec)()
    pending, first = "", True
    with file.stream() as handle:
        while chunk := handle.read(_CHUNK):
            text = decoder.decode(chunk)
            if first and text:
                text, first = text.removeprefix("\ufeff"), False
            pending += text
            keep = 1 if pending.endswith("\r") else 0  # its \n may start the next chunk
            end = 0
            for match in _LINE.finditer(pending, 0, len(pending) - keep):
                yield match.group()
                end = match.end()
            pending = pending[end:]
    if pending:
        yield pending  # the last line, when the file does not end with a line break


def undecodable(file: Opener, encoding: Encoding) -> tuple[int, bool] | None:
    """(1-based line, cut) of the first byte ``encoding`` cannot decode, if any (error path).

    ``cut`` is true when the only fault is a character cut short by the end of the file: a
    truncated transfer, not a wrong encoding.
    """
    decoder = codecs.getincrementaldecoder(encoding.codec)()
    line = 1
    with file.stream() as handle:
        while chunk := handle.read(_CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as error:
                before = error.object[: error.start]
                return line + before.decode(encoding.codec, errors="replace").count("\n"), False
            line += text.count("\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line, True
    return None


def encoding_error(file: Opener, encoding: Encoding) -> SourceError:
    """The SourceError for bytes the encoding cannot decode, naming the line."""
    found = undecodable(file, encoding)
    where = f"{file.name}:{found[0]}" if found else file.name
    other = "cp1252" if encoding.codec == "utf-8" else "utf-8"
    return SourceError(
        f"bytes that are not valid {encoding.codec}",
        hint=f"pass the file's real encoding, e.g. --encoding {other} (or latin-1)",
        where=where,
    )
