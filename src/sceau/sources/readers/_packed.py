"""What packing a file's first bytes show, and how to unpack it.

Zip and tar by their magic numbers; gzip, bzip2 and xz streams (a file compressed on its own,
or a compressed tar) with the means to unpack them; 7-Zip and RAR recognised so as to say why
they are not read. :mod:`sceau.sources.readers.archive` reads the members.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Callable
from typing import BinaryIO

from sceau.sources.base import Opener
from sceau.sources.readers._bounded import Unpacking

# magic number -> how to unpack a stream of it (the caller closes what it gets)
COMPRESSED: dict[bytes, Callable[[BinaryIO], Unpacking]] = {
    b"\x1f\x8b": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
    b"BZh": lambda raw: bz2.BZ2File(raw, mode="rb"),
    b"\xfd7zXZ\x00": lambda raw: lzma.LZMAFile(raw, mode="rb"),  # noqa: SIM115
}
COMPRESSED_ENDINGS = (".gz", ".bz2", ".xz", ".tgz", ".tbz2", ".txz")
ZIP = (b"PK\x03\x04", b"PK\x05\x06")
OTHER = {b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive", b"Rar!\x1a\x07": "a RAR archive"}


def unpacker(head: bytes) -> Callable[[BinaryIO], Unpacking] | None:
    """How to unpack a stream that starts with ``head``; None when it is not compressed."""
    return next((unpack for magic, unpack in COMPRESSED.items() if head.startswith(magic)), None)


def is_tar(head: bytes) -> bool:
    """Whether ``head`` (at least its first 262 bytes) starts a tar archive (POSIX ustar)."""
    return len(head) >= 262 and head[257:262] == b"ustar"


def gzip_size(file: Opener) -> int | None:
    """What a gzip file on disk says it unpacks to (its last 4 bytes): for progress bars only."""
    size = file.size()
    if file.path is None or size is None or size < 18 or size >= 1 << 32:
        return None
    try:
        with file.path.open("rb") as handle:
            if handle.read(2) != b"\x1f\x8b":
                return None
            handle.seek(-4, io.SEEK_END)
            return int.from_bytes(handle.read(4), "little")
    except OSError:
        return None
