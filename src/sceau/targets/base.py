"""What a target is: a place that loads batches exactly once and reads them back for checking.

Exactly once rests on one rule: a batch's rows and the record that the batch was loaded are
committed together (one database transaction; for files, one atomic rename). After a crash,
:meth:`Target.loaded_batches` is the truth about what the target holds, and loading a batch it
already lists is a no-op. Every column is text: sceau moves values as the source gave them
(transformed values are text too), so what is read back compares byte for byte with what was
staged.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa

from sceau.errors import SceauError
from sceau.plugins import Registry
from sceau.urls import redact_url


class TargetError(SceauError):
    """The target refused, went away, or does not have the expected table."""


@dataclass(frozen=True)
class TargetTable:
    """The table a mandate loads: its name and its columns, in order, all text."""

    name: str
    columns: tuple[str, ...]


class Target(ABC):
    """One kind of destination. An entry point registers each subclass."""

    kind: ClassVar[str]  # "postgresql", "mariadb", "sqlite", "parquet", "fhir"
    schemes: ClassVar[tuple[str, ...]] = ()  # URL schemes: ("postgresql",)
    suffixes: ClassVar[tuple[str, ...]] = ()  # folder endings for file targets: (".parquet",)

    def __init__(self, location: str, table: TargetTable) -> None:
        self.location = location
        self.table = table
        self.watcher: Callable[[int], None] | None = None

    def watch(self, watcher: Callable[[int], None] | None) -> None:
        """Have ``watcher`` told of rows as a batch is being written, part by part; a target
        that writes a batch in one go never calls it, and is seen batch by batch."""
        self.watcher = watcher

    def rows_written(self, count: int) -> None:
        """Part of the current batch went out (not committed yet: a progress report only)."""
        if self.watcher is not None:
            self.watcher(count)

    @property
    def display(self) -> str:
        """The location for messages and reports: never a password."""
        return redact_url(self.location)

    def reached(self) -> list[str]:
        """Where the rows actually went, as the connection saw it once open (the server's
        address, port and database; a file's absolute path): the report sets it beside the
        signed destination, so a run sent elsewhere shows it. Empty before connecting."""
        return []

    def check_place(self) -> None:  # noqa: B027  (a location that can only mean one place)
        """Refuse a location that would mean another place from another working directory or
        another account's environment (a relative path, a database URL without its server):
        what a controller signs must be where the rows go, wherever the run is started."""

    def check_table(self) -> None:  # noqa: B027  (a target that takes any name has no check)
        """Refuse a table or column name this target cannot hold, without connecting: what
        ``sceau mandate sign`` checks before a mandate naming them is signed."""

    @abstractmethod
    def prepare(self, *, create: bool) -> None:
        """Make sure the table exists with exactly these columns; create it if ``create``.

        Raises TargetError if it is missing (and not ``create``), has other columns, or holds
        rows that no sceau run loaded (a run starts on an empty table).
        """

    @abstractmethod
    def loaded_batches(self, run_id: str) -> dict[int, int]:
        """Batch number → row count, for every batch of ``run_id`` the target has committed."""

    @abstractmethod
    def write_batch(self, run_id: str, batch_no: int, batch: pa.RecordBatch) -> None:
        """Load ``batch`` and record (run_id, batch_no) in the same commit; no-op if recorded."""

    @abstractmethod
    def read_rows(self) -> Iterator[pa.RecordBatch]:
        """Every row of the table, as string columns named like ``table.columns``, for verify."""

    def close(self) -> None:  # noqa: B027  (optional hook)
        """Release connections."""

    def __enter__(self) -> Target:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


TARGETS: Registry[type[Target]] = Registry("sceau.targets", "target", name_of=lambda cls: cls.kind)


def registered() -> dict[str, type[Target]]:
    """Every target by kind (see :mod:`sceau.plugins`)."""
    return dict(TARGETS)


def open_target(location: str, table: TargetTable) -> Target:
    """The target for ``location``: a database URL by its scheme, a folder by its ending."""
    targets = registered()
    scheme = location.split("://", 1)[0].split("+", 1)[0].lower() if "://" in location else ""
    for cls in targets.values():
        if scheme and scheme in cls.schemes:
            return cls(location, table)
        if not scheme and any(location.rstrip("/").endswith(s) for s in cls.suffixes):
            return cls(location, table)
    raise TargetError(
        "no target for this location",
        hint=f"use one of: {_places(targets.values())}",
        where=redact_url(location),
    )


def _places(targets: Iterable[type[Target]]) -> str:
    """What each target takes, as the hint of a location none takes: from the targets' own
    ``schemes`` and ``suffixes``."""
    targets = list(targets)
    places = [f"a {scheme}:// URL" for cls in targets for scheme in cls.schemes[:1]]
    endings = [suffix for cls in targets for suffix in cls.suffixes]
    return ", ".join(places + [f"a folder ending in {ending}" for ending in endings])
