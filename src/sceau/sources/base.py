"""What a source is: something that streams one or more tables as Arrow record batches.

A file is one table; a database is one table per table it holds; a folder is every file in it.
Readers never load a whole file: memory stays bounded by the batch size whatever the input's
size. Every cell is delivered as text (``pa.string()``) unless the format itself is typed —
a CSV reader that guessed types would turn the phone number 0612345678 into an integer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from sceau.errors import SceauError

DEFAULT_BATCH_ROWS = 65_536


class SourceError(SceauError):
    """A source could not be opened or read. ``where`` names the file, line, table or field."""


@dataclass(frozen=True)
class Table:
    """One stream of rows: a file, a database table, the messages of an HL7 file."""

    name: str  # what reports call it: a file path, or "postgresql://host/db#table" (no password)
    batches: Callable[[], Iterator[pa.RecordBatch]]  # a fresh stream at each call
    expected_rows: int | None = None  # for progress bars, when cheaply known
    expected_bytes: int | None = None


class Source(ABC):
    """A reader for one kind of location. Subclasses register with :func:`register`."""

    kind: ClassVar[str]  # "csv", "parquet", "postgresql", ...
    suffixes: ClassVar[tuple[str, ...]] = ()  # file endings it reads, lower case: (".csv", ".txt")
    schemes: ClassVar[tuple[str, ...]] = ()  # URL schemes it reads: ("postgresql",)

    def __init__(self, location: str, *, batch_rows: int = DEFAULT_BATCH_ROWS) -> None:
        self.location = location
        self.batch_rows = batch_rows

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        """Whether a file whose ending says nothing starts like this kind; no by default."""
        return False

    @abstractmethod
    def tables(self) -> Iterator[Table]:
        """The tables this location holds. Raises SourceError when it cannot be opened."""


_REGISTRY: dict[str, type[Source]] = {}


def register(cls: type[Source]) -> type[Source]:
    """Class decorator: sceau's own readers register exactly as a plug-in's would."""
    _REGISTRY[cls.kind] = cls
    return cls


def registered() -> dict[str, type[Source]]:
    """Every registered reader by kind, built-ins included."""
    import sceau.sources.readers  # noqa: F401  (registers the built-ins)

    return dict(_REGISTRY)


def open_source(location: str | Path, *, kind: str | None = None, **options: object) -> Source:
    """The reader for ``location``: by ``kind`` if given, else URL scheme, file ending, content."""
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
        raise SourceError(
            f"no reader for URLs starting with {scheme}://",
            hint="sceau reads sqlite://, postgresql:// and mysql:// (MariaDB) URLs",
            where=redact_url(text),
        )
    path = Path(text)
    if not path.exists():
        raise SourceError("no such file or folder", hint="check the path", where=text)
    if path.is_dir():
        from sceau.sources.folder import FolderSource

        return FolderSource(text, **options)  # type: ignore[arg-type]
    suffix = "".join(path.suffixes[-1:]).lower()
    for cls in readers.values():
        if suffix in cls.suffixes:
            return cls(text, **options)  # type: ignore[arg-type]
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise SourceError(
            f"cannot read the file ({error.strerror})", hint="check its permissions", where=text
        ) from None
    for cls in readers.values():
        if cls.sniff(head):
            return cls(text, **options)  # type: ignore[arg-type]
    raise SourceError(
        "cannot tell what kind of file this is",
        hint="name its kind with --kind (csv, parquet, jsonl, xlsx, hl7, fhir)",
        where=text,
    )


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


def redact_url(url: str) -> str:
    """A database URL without its password, for messages and reports."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{host}" if user else f"{scheme}://{host}"
