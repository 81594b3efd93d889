"""What a source is: something that streams one or more tables as Arrow record batches.

A file is one table; a database is one table per table it holds; a folder or an archive is
every file in it. Readers never load a whole file: memory stays bounded by the batch size
whatever the input's size. Every cell is delivered as text (``pa.string()``) unless the format
itself is typed — a CSV reader that guessed types would turn the phone number 0612345678 into
an integer.

Readers read through an :class:`Opener` rather than a path, so the same reader streams
``exports/patients.csv`` and ``exports/x.zip!/2021/patients.csv`` alike: an archive member is
never extracted to a temporary file (no plaintext personal data on disk outside the source and
the target).
"""

from __future__ import annotations

import io
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import pyarrow as pa

from sceau.errors import SceauError
from sceau.plugins import Registry
from sceau.urls import redact_url

DEFAULT_BATCH_ROWS = 65_536
SNIFF_HEAD = 4096  # what choosing a reader by content looks at


class SourceError(SceauError):
    """A source could not be opened or read. ``where`` names the file, line, table or field."""


@dataclass(frozen=True)
class Table:
    """One stream of rows: a file, a database table, the messages of an HL7 file."""

    name: str  # what reports call it: a file path, or "postgresql://host/db#table" (no password)
    batches: Callable[[], Iterator[pa.RecordBatch]]  # a fresh stream at each call
    expected_rows: int | None = None  # for progress bars, when cheaply known
    expected_bytes: int | None = None
    kind: str = ""  # the reader's kind, when a folder or an archive holds tables of many kinds


@dataclass(frozen=True)
class Skipped:
    """Something a scan did not read, and why: sceau's words, never a value from the data."""

    location: str  # a file, an archive member (``x.zip!/a.csv``) or a database table
    reason: str


@dataclass(frozen=True)
class Opener:
    """A file's bytes, on disk or inside an archive; ``name`` is what reports call the file."""

    name: str
    open: Callable[[], BinaryIO]  # a fresh binary stream from the first byte at each call
    known_size: int | None = None  # bytes the stream gives, when the archive declares it
    path: Path | None = None  # the file itself, when it is a plain file on disk

    @classmethod
    def of(cls, location: str | Path | Opener) -> Opener:
        """``location`` as an Opener: a path on disk becomes one, an Opener stays as it is."""
        if isinstance(location, Opener):
            return location
        path = Path(location)
        return cls(name=str(location), open=lambda: path.open("rb"), path=path)

    @classmethod
    def in_memory(cls, name: str, data: bytes) -> Opener:
        """Bytes already read: an archive member a reader needs random access to."""
        return cls(name=name, open=lambda: io.BytesIO(data), known_size=len(data))

    def size(self) -> int | None:
        """How many bytes the stream gives, when known without reading it."""
        if self.path is not None:
            try:
                return self.path.stat().st_size
            except OSError:
                return None
        return self.known_size

    def stream(self) -> BinaryIO:
        """A fresh binary stream, or a SourceError saying why the file cannot be read."""
        try:
            return self.open()
        except OSError as error:
            raise self.unreadable(error) from None

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes (fewer if the file is shorter)."""
        with self.stream() as handle:
            try:
                return read_up_to(handle, size)
            except OSError as error:
                raise self.unreadable(error) from None

    def unreadable(self, error: OSError) -> SourceError:
        return SourceError(
            f"cannot read the file ({error.strerror or type(error).__name__})",
            hint="check that it exists and that you may read it",
            where=self.name,
        )


def read_up_to(handle: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes: a decompressing stream may give fewer than asked at each read."""
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = handle.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class Source(ABC):
    """A reader for one kind of location. An entry point registers each subclass."""

    kind: ClassVar[str]  # "csv", "parquet", "postgresql", ...
    suffixes: ClassVar[tuple[str, ...]] = ()  # file endings it reads, lower case: (".csv", ".txt")
    schemes: ClassVar[tuple[str, ...]] = ()  # URL schemes it reads: ("postgresql",)
    random_access: ClassVar[bool] = False  # seeks in the file: read in memory from an archive
    # When a file's ending says nothing, readers sniff its first bytes lowest rank first: the
    # most specific signatures (magic numbers) before the lenient ones (JSON lines, CSV).
    sniff_rank: ClassVar[int] = 50

    def __init__(self, location: str | Opener, *, batch_rows: int = DEFAULT_BATCH_ROWS) -> None:
        self.location = location.name if isinstance(location, Opener) else str(location)
        self.batch_rows = batch_rows
        self.skipped: list[Skipped] = []  # what tables() left out, and why

    @property
    def collection(self) -> bool:
        """Whether this location gathers many things (a folder, an archive, a whole database).

        A scan of a collection lists a table it cannot read as skipped and goes on; the error
        of a file or table named on its own is the scan's error.
        """
        return False

    @classmethod
    def sniff(cls, head: bytes) -> bool:  # noqa: ARG003  (no by default, whatever the head)
        """Whether a file whose ending says nothing starts like this kind; no by default."""
        return False

    @abstractmethod
    def tables(self) -> Iterator[Table]:
        """The tables this location holds. Raises SourceError when it cannot be opened."""

    def member(self, inner: str) -> Source:
        """The reader of the member ``inner`` of this location (``x.zip!/inner``); only a
        location that holds files (an archive) has members."""
        raise SourceError(
            "this file holds no other files",
            hint="name the file itself, without what follows !/",
            where=f"{self.location}{MEMBER_MARK}{inner}",
        )


SOURCES: Registry[type[Source]] = Registry(
    "sceau.sources", "source", name_of=lambda cls: cls.kind, order=lambda cls: cls.sniff_rank
)


def registered() -> dict[str, type[Source]]:
    """Every reader by kind, in the order files are sniffed (see :mod:`sceau.plugins`)."""
    return dict(SOURCES)


def open_source(location: str | Path, *, kind: str | None = None, **options: object) -> Source:
    """The reader for ``location``: by ``kind`` if given, else URL scheme, file ending, content.

    ``archive!/member`` (``exports/x.zip!/2021/patients.csv``) names a member of an archive.
    """
    readers = registered()
    text = str(location)
    if kind is not None:
        if kind not in readers:
            raise SourceError(
                f"unknown source kind {kind!r}",
                hint=f"use one of: {', '.join(sorted(readers))}",
            )
        return readers[kind](text, **options)  # type: ignore[arg-type]
    scheme = text.split("://", 1)[0].split("+", 1)[0].lower() if "://" in text else ""
    if scheme:
        for cls in readers.values():
            if scheme in cls.schemes:
                return cls(text, **options)  # type: ignore[arg-type]
        schemes = sorted(f"{s}://" for cls in readers.values() for s in cls.schemes)
        raise SourceError(
            f"no reader for URLs starting with {scheme}://",
            hint=f"sceau reads {', '.join(schemes)} URLs",
            where=redact_url(text),
        )
    path = Path(text)
    if not path.exists() and MEMBER_MARK in text:
        return _member(text, **options)
    if not path.exists():
        raise SourceError("no such file or folder", hint="check the path", where=text)
    if path.is_dir():
        from sceau.sources.folder import FolderSource

        return FolderSource(text, **options)  # type: ignore[arg-type]
    return reader_for(Opener.of(text), hint_kind=True, **options)


MEMBER_MARK = "!/"  # between an archive's name and a member's: x.zip!/2021/patients.csv


def _member(location: str, **options: Any) -> Source:
    """The reader of ``archive!/member``: the archive is the first file on disk before a
    mark, and whichever reader reads that file finds the member in it."""
    start = 0
    while (mark := location.find(MEMBER_MARK, start)) >= 0:
        outer = location[:mark]
        if Path(outer).is_file():
            holder = reader_for(Opener.of(outer), **options)
            return holder.member(location[mark + len(MEMBER_MARK) :])
        start = mark + 1
    raise SourceError("no such file or folder", hint="check the path", where=location)


def reader_for(file: Opener, *, hint_kind: bool = False, **options: object) -> Source:
    """The reader a file's ending, else its first bytes, call for; a SourceError if none does."""
    readers = registered().values()
    suffix = Path(file.name).suffix.lower()
    for cls in readers:
        if suffix and suffix in cls.suffixes:
            return cls(file, **options)  # type: ignore[arg-type]
    head = file.head(SNIFF_HEAD)
    for cls in readers:
        if cls.sniff(head):
            return cls(file, **options)  # type: ignore[arg-type]
    raise SourceError(
        "no reader knows this kind of file",
        hint=f"name its kind with --kind ({', '.join(_file_kinds())})"
        if hint_kind
        else "scan it on its own with --kind if it is a data export",
        where=file.name,
    )


def _file_kinds() -> list[str]:
    """The kinds ``--kind`` can name for a file: every reader that is not a database's."""
    return [kind for kind, cls in registered().items() if not cls.schemes]


def skipped_for(error: SourceError, location: str) -> Skipped:
    """What a collection records for a table or file its reader refused: the message, and the
    line when the error names one."""
    line = re.search(r":(\d+)\Z", error.where or "")
    reason = error.message + (f" (line {line.group(1)})" if line else "")
    return Skipped(location, reason)


def batched(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Readers' batches (blocks of whatever size their parser likes) as batches of exactly
    ``rows`` rows, the last one excepted."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        if count >= rows:
            whole = pa.Table.from_batches(pending).combine_chunks()
            cut = count - count % rows
            for offset in range(0, cut, rows):
                yield from whole.slice(offset, rows).to_batches()
            pending = whole.slice(cut).to_batches() if cut < count else []
            count -= cut
    if count:
        yield from pa.Table.from_batches(pending).combine_chunks().to_batches()
