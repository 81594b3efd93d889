"""The bounds an archive is read within, and the stream that holds them while it unpacks.

An archive may declare sizes it does not keep (a zip bomb), or none at all (gzip), so sizes are
checked twice: as declared, before a member is opened, and as unpacked, byte by byte, by
:class:`Bounded`. A member that breaks a bound is skipped with the reason, never half-read
silently: the error names the member and the bound.
"""

from __future__ import annotations

import contextlib
import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from sceau.sources.base import SourceError

_MB = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """How much an archive may unpack to; beyond, it is taken for an archive bomb."""

    member_bytes: int = 8 << 30  # one member, unpacked
    total_bytes: int = 32 << 30  # every member of one archive, unpacked
    ratio: int = 100  # unpacked / packed, once a member passes ratio_floor
    ratio_floor: int = 16 << 20
    memory_bytes: int = 256 << 20  # a Parquet, xlsx or SQLite member, read into memory
    members: int = 10_000  # members one archive may list
    depth: int = 1  # archives inside an archive that are opened

    def over(self, unpacked: int, packed: int | None, bound: int) -> str | None:
        """Why ``unpacked`` bytes (from ``packed``, if known) break the bounds, if they do."""
        if unpacked > bound:
            return f"unpacks to more than {size_words(bound)}"
        if packed is not None and unpacked > self.ratio_floor and unpacked > self.ratio * packed:
            return f"unpacks to more than {self.ratio} times its packed size"
        return None


def size_words(count: int) -> str:
    """``8 GB``, ``256 MB``: a bound in the words a user reads (binary multiples)."""
    if count >= 1 << 30 and count % (1 << 30) == 0:
        return f"{count >> 30} GB"
    if count >= _MB and count % _MB == 0:
        return f"{count // _MB} MB"
    return f"{count:,} bytes"


# What a damaged or cut archive raises while it unpacks, whichever library reads it.
DAMAGE = (
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    tarfile.TarError,
    NotImplementedError,
    RuntimeError,
)


def damaged(where: str) -> SourceError:
    return SourceError(
        "the archive is damaged or cut short",
        hint="get the archive again (the transfer may have been cut) and check it opens "
        "with your archive tool",
        where=where,
    )


def bomb(where: str, why: str) -> SourceError:
    return SourceError(
        f"not read: it {why} (taken for an archive bomb)",
        hint="if this archive is genuine, extract it where the data may be kept and scan "
        "the files themselves",
        where=where,
    )


class Unpacking(Protocol):
    """What a Bounded reads from: an archive's member or a decompressor (gzip, bz2, xz)."""

    def read(self, size: int = -1, /) -> bytes: ...
    def seekable(self) -> bool: ...
    def seek(self, offset: int, whence: int = 0, /) -> int: ...
    def close(self) -> None: ...


class Bounded(io.RawIOBase):
    """A stream that stops with a SourceError once it has unpacked more than its bound.

    It also turns a decompression failure into a SourceError naming ``where``, and closes
    every stream it was built on (the member, the archive, the file) when it is closed.
    """

    def __init__(
        self,
        inner: Unpacking,
        *,
        where: str,
        bound: int,
        packed: int | None,
        limits: ArchiveLimits,
        closers: tuple[Callable[[], Any], ...] = (),
    ) -> None:
        self.inner = inner
        self.where = where
        self.bound = bound
        self.packed = packed
        self.limits = limits
        self.closers = closers
        self.position = 0
        self.reached = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self.inner.seekable()

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.inner.read(len(buffer))
        except DAMAGE:
            raise damaged(self.where) from None
        size = len(data)
        buffer[:size] = data
        self._moved(self.position + size)
        return size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        try:
            position = self.inner.seek(offset, whence)
        except DAMAGE:
            raise damaged(self.where) from None
        self._moved(position)
        return position

    def tell(self) -> int:
        return self.position

    def _moved(self, position: int) -> None:
        self.position = position
        if position > self.reached:
            self.reached = position
            why = self.limits.over(position, self.packed, self.bound)
            if why is not None:
                raise bomb(self.where, why)

    def close(self) -> None:
        if not self.closed:
            for close in (self.inner.close, *self.closers):
                with contextlib.suppress(*DAMAGE):  # closing what could not be read
                    close()
        super().close()


def buffered(raw: Bounded) -> BinaryIO:
    """``raw`` with a read buffer, as readers (pyarrow, TextIOWrapper, tarfile) expect."""
    return io.BufferedReader(raw, buffer_size=1 << 20)
