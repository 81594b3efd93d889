"""Archives: zip, tar, and files compressed with gzip, bzip2 or xz (``x.csv.gz``, ``x.tar.gz``).

Each member is read by the reader its name or content calls for, straight from the archive:
nothing is ever extracted to disk. A member is named ``<archive>!/<path inside>``, e.g.
``exports/x.zip!/2021/patients.csv``; a file compressed on its own holds one member named
after it without the ending (``x.csv.gz!/x.csv``). An archive inside an archive is opened one
level deep. What is not read is listed in ``skipped`` with the reason: password-protected,
hidden, a link, a name pointing outside the archive, too deep, or over one of the bounds of
:class:`~sceau.sources.readers._bounded.ArchiveLimits` (an archive bomb).

Readers that need random access (Parquet, xlsx, SQLite) get the member read into memory, up to
``ArchiveLimits.memory_bytes``, afresh at each pass.
"""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any, BinaryIO

from sceau.sources.base import (
    DEFAULT_BATCH_ROWS,
    MEMBER_MARK,
    SNIFF_HEAD,
    Opener,
    Skipped,
    Source,
    SourceError,
    Table,
    read_up_to,
    reader_for,
    skipped_for,
)
from sceau.sources.readers._bounded import (
    DAMAGE,
    ArchiveLimits,
    Bounded,
    Unpacking,
    buffered,
    damaged,
    size_words,
)
from sceau.sources.readers._members import OUTSIDE, OUTSIDE_REASON, Entry, Member, checked
from sceau.sources.readers._packed import (
    COMPRESSED,
    COMPRESSED_ENDINGS,
    OTHER,
    ZIP,
    gzip_size,
    is_tar,
    unpacker,
)

_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_LINK_REASON = "a link or a device, not a file: not read"


_Closers = tuple[Callable[[], Any], ...]


class ArchiveSource(Source):
    """A zip, tar or compressed file: every member read by the reader its name calls for."""

    kind = "archive"
    sniff_rank = 55
    suffixes = (".zip", ".tar", *COMPRESSED_ENDINGS, ".7z", ".rar")

    def __init__(
        self,
        location: str | Opener,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        limits: ArchiveLimits | None = None,
        depth: int = 0,
        **options: Any,
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.file = Opener.of(location)
        self.limits = limits or ArchiveLimits()
        self.depth = depth  # 0 for an archive named or found in a folder, 1 inside another
        self.options = {"batch_rows": batch_rows, "limits": self.limits, **options}
        self._format: str | None = None
        self._open_zip: zipfile.ZipFile | None = None  # shared by members while tables() runs

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith((*ZIP, *COMPRESSED, *OTHER)) or is_tar(head)

    @property
    def collection(self) -> bool:
        """A file compressed on its own is that file: its error is the scan's error."""
        return self.format() in ("zip", "tar")

    def format(self) -> str:
        """``zip``, ``tar`` (compressed or not) or ``single`` (one compressed file)."""
        if self._format is None:
            head = self.file.head(SNIFF_HEAD)
            if head.startswith(ZIP):
                self._format = "zip"
            elif is_tar(head):
                self._format = "tar"
            elif (unpack := unpacker(head)) is not None:
                with self._unpacked(unpack) as stream:
                    self._format = "tar" if is_tar(read_up_to(stream, 512)) else "single"
            else:
                kind = next((what for magic, what in OTHER.items() if head.startswith(magic)), "")
                raise SourceError(
                    f"{kind or 'not an archive sceau reads'}: not read",
                    hint="sceau reads zip, tar, gzip, bzip2 and xz: repack it as zip",
                    where=self.file.name,
                )
        return self._format

    def tables(self) -> Iterator[Table]:
        """Each member's tables; a zip stays open while they are read (its directory is parsed
        once, not at every member's opening)."""
        self.skipped.clear()
        kept: _Closers = ()
        if self.format() == "zip":
            self._open_zip, kept = self._zip()
        try:
            yield from self._member_tables()
        finally:
            self._open_zip = None
            _close(kept)

    def _member_tables(self) -> Iterator[Table]:
        for member in self._members():
            location = f"{self.file.name}{MEMBER_MARK}{member.name}"
            if member.opener is None:
                self.skipped.append(Skipped(location, member.reason))
                continue
            try:
                source = self._reader(member.opener)
                tables = list(source.tables())
            except SourceError as error:
                if not self.collection:
                    raise
                self.skipped.append(skipped_for(error, location))
                continue
            self.skipped.extend(source.skipped)
            for table in tables:
                yield replace(table, kind=table.kind or source.kind)

    def member(self, inner: str) -> Source:
        """The reader of the member ``inner`` (``2021/patients.csv``, or ``a.zip!/b.csv``).

        A hidden member is read when named this way; the other checks still hold.
        """
        for _, _, member in self._entries():
            name = member.name
            if inner != name and not inner.startswith(name + MEMBER_MARK):
                continue
            where = f"{self.file.name}{MEMBER_MARK}{name}"
            if OUTSIDE.search(name):
                member = Member(name, reason=OUTSIDE_REASON)
            if member.opener is None:
                raise SourceError(member.reason, hint="choose another member", where=where)
            source = self._reader(member.opener)
            if inner == name:
                return source
            if isinstance(source, ArchiveSource):
                return source.member(inner[len(name) + len(MEMBER_MARK) :])
        raise SourceError(
            "no such member in this archive",
            hint="check the path after !/ (it is case-sensitive)",
            where=f"{self.file.name}{MEMBER_MARK}{inner}",
        )

    # --- choosing a member's reader ----------------------------------------------------------

    def _reader(self, member: Opener) -> Source:
        source = reader_for(member, depth=self.depth + 1, **self.options)
        if isinstance(source, ArchiveSource) and self.depth >= self.limits.depth:
            raise SourceError(
                "an archive inside an archive inside an archive: not opened",
                hint=f"sceau opens archives {self.limits.depth} level(s) deep",
                where=member.name,
            )
        if getattr(source, "random_access", False):
            return type(source)(self._in_memory(member), **self.options)
        return source

    def _in_memory(self, member: Opener) -> Opener:
        """The member read into memory at each open: Parquet, xlsx and SQLite seek."""
        bound = self.limits.memory_bytes
        if member.known_size is not None and member.known_size > bound:
            raise _too_large(member.name, bound)

        def load() -> BinaryIO:
            with member.stream() as stream:
                data = read_up_to(stream, bound + 1)
            if len(data) > bound:
                raise _too_large(member.name, bound)
            return io.BytesIO(data)

        return Opener(name=member.name, open=load, known_size=member.known_size)

    # --- listing members ---------------------------------------------------------------------

    def _members(self) -> Iterator[Member]:
        if self.format() == "single":
            yield self._single()
        else:
            yield from checked(self._entries(), self.limits, self.file.name)

    def _entries(self) -> list[Entry]:
        """(name, declared size, member) of every file the archive lists."""
        kind = self.format()
        if kind == "single":
            member = self._single()
            return [(member.name, 0, member)]
        return self._zip_entries() if kind == "zip" else self._tar_entries()

    def _zip_entries(self) -> list[Entry]:
        archive, closers = self._zip_in_use()
        try:
            infos = [info for info in archive.infolist() if not info.is_dir()]
        finally:
            _close(closers)
        return [(info.filename, info.file_size, self._zip_member(info)) for info in infos]

    def _zip_member(self, info: zipfile.ZipInfo) -> Member:
        name = info.filename
        if info.flag_bits & 0x1:
            return Member(name, reason="password-protected (encrypted): not read")
        if stat.S_ISLNK(info.external_attr >> 16):  # a link's member holds its target's path
            return Member(name, reason=_LINK_REASON)
        if info.compress_type not in _ZIP_METHODS:
            return Member(
                name, reason=f"compressed with a method sceau cannot read ({info.compress_type})"
            )
        why = self.limits.over(info.file_size, info.compress_size, self.limits.member_bytes)
        if why is not None:
            return Member(name, reason=f"not read: it {why} (taken for an archive bomb)")
        where = f"{self.file.name}{MEMBER_MARK}{name}"

        def open_member() -> BinaryIO:
            archive, closers = self._zip_in_use()
            try:
                inner = archive.open(info)
            except DAMAGE:
                _close(closers)
                raise damaged(where) from None
            return self._bounded(inner, where, info.compress_size, closers)

        return Member(name, Opener(where, open_member, known_size=info.file_size))

    def _zip_in_use(self) -> tuple[zipfile.ZipFile, _Closers]:
        """The zip tables() keeps open (nothing to close), else one opened for the caller."""
        if self._open_zip is not None:
            return self._open_zip, ()
        return self._zip()

    def _zip(self) -> tuple[zipfile.ZipFile, _Closers]:
        """The zip, and what closes it: zipfile leaves a stream it was given open."""
        stream = self.file.stream()
        try:
            archive = zipfile.ZipFile(stream)
        except DAMAGE:
            stream.close()
            raise damaged(self.file.name) from None
        return archive, (archive.close, stream.close)

    def _tar_entries(self) -> list[Entry]:
        entries: list[Entry] = []
        archive, closers = self._tar()
        try:
            for info in archive:
                if not info.isdir():
                    entries.append((info.name, info.size, self._tar_member(info)))
                if len(entries) > self.limits.members:
                    break
        except DAMAGE:
            raise damaged(self.file.name) from None
        finally:
            _close(closers)
        return entries

    def _tar_member(self, info: tarfile.TarInfo) -> Member:
        name = info.name
        if not info.isreg():
            return Member(name, reason=_LINK_REASON)
        why = self.limits.over(info.size, None, self.limits.member_bytes)
        if why is not None:
            return Member(name, reason=f"not read: it {why} (taken for an archive bomb)")
        where = f"{self.file.name}{MEMBER_MARK}{name}"

        def open_member() -> BinaryIO:
            archive, closers = self._tar()
            try:
                inner = archive.extractfile(info)
            except DAMAGE:
                _close(closers)
                raise damaged(where) from None
            if inner is None:  # no longer a regular file: the archive changed since it was listed
                _close(closers)
                raise damaged(where)
            return self._bounded(inner, where, None, closers)

        return Member(name, Opener(where, open_member, known_size=info.size))

    def _tar(self) -> tuple[tarfile.TarFile, _Closers]:
        """The tar, unpacked if compressed (the whole archive within the bounds), and what
        closes it: tarfile leaves a stream it was given open."""
        unpack = unpacker(self.file.head(SNIFF_HEAD))
        stream = self._unpacked(unpack) if unpack else self.file.stream()
        try:
            archive = tarfile.open(fileobj=stream, mode="r:")  # noqa: SIM115  (closers close it)
        except DAMAGE:
            stream.close()
            raise damaged(self.file.name) from None
        return archive, (archive.close, stream.close)

    def _single(self) -> Member:
        """A file compressed on its own: one member, named after it without the ending."""
        path = PurePosixPath(self.file.name)
        name = path.stem if path.suffix.lower() in COMPRESSED_ENDINGS else path.name
        unpack = unpacker(self.file.head(SNIFF_HEAD))
        if unpack is None:  # it was compressed when sniffed: the file changed since
            raise damaged(self.file.name)
        where = f"{self.file.name}{MEMBER_MARK}{name}"
        opener = Opener(where, lambda: self._unpacked(unpack, where), gzip_size(self.file))
        return Member(name, opener)

    def _unpacked(
        self, unpack: Callable[[BinaryIO], Unpacking], where: str | None = None
    ) -> BinaryIO:
        """The file's bytes decompressed, as a bounded stream."""
        raw = self.file.stream()
        try:
            inner = unpack(raw)
        except DAMAGE:
            raw.close()
            raise damaged(self.file.name) from None
        bound = self.limits.member_bytes if where else self.limits.total_bytes
        return self._bounded(inner, where or self.file.name, self.file.size(), (raw.close,), bound)

    def _bounded(
        self,
        inner: Unpacking,
        where: str,
        packed: int | None,
        closers: _Closers,
        bound: int | None = None,
    ) -> BinaryIO:
        raw = Bounded(
            inner,
            where=where,
            bound=self.limits.member_bytes if bound is None else bound,
            packed=packed,
            limits=self.limits,
            closers=closers,
        )
        return buffered(raw)


def _close(closers: _Closers) -> None:
    for close in closers:
        close()


def _too_large(where: str, bound: int) -> SourceError:
    return SourceError(
        f"too large to read inside an archive (over {size_words(bound)}; this kind of file "
        "is read in memory)",
        hint="extract it where the data may be kept and scan the file itself",
        where=where,
    )
