"""A folder: every readable file in it, recursively, in sorted order, hidden files skipped.

One bad file must not stop the scan of a folder of exports: a file no reader claims, or one
its reader cannot open, is recorded in ``skipped`` with the reason, and the scan goes on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sceau.sources.base import DEFAULT_BATCH_ROWS, Source, SourceError, Table, registered

_HEAD_BYTES = 4096


class FolderSource(Source):
    """Every file under a folder, each read by the reader its ending or content calls for."""

    kind = "folder"

    def __init__(
        self, location: str, *, batch_rows: int = DEFAULT_BATCH_ROWS, **options: Any
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.path = Path(location)
        self.options = options
        self.skipped: list[tuple[str, str]] = []  # (file, why), filled as tables() runs

    def files(self) -> Iterator[Path]:
        """Regular files under the folder, sorted, hidden files and folders left out."""
        for root, folders, names in os.walk(self.path):
            folders[:] = sorted(name for name in folders if not name.startswith("."))
            for name in sorted(names):
                path = Path(root, name)
                if not name.startswith(".") and path.is_file():
                    yield path

    def readers(self) -> Iterator[tuple[Source, list[Table]]]:
        """Each readable file's reader (its ``kind`` names the format) and its tables."""
        self.skipped.clear()
        for path in self.files():
            try:
                source = self._reader(path)
                tables = list(source.tables())
            except SourceError as error:
                self.skipped.append((str(path), error.message))
                continue
            yield source, tables

    def tables(self) -> Iterator[Table]:
        for _, tables in self.readers():
            yield from tables

    def _reader(self, path: Path) -> Source:
        readers = registered().values()
        suffix = path.suffix.lower()
        for cls in readers:
            if suffix and suffix in cls.suffixes:
                return cls(str(path), batch_rows=self.batch_rows, **self.options)
        try:
            with path.open("rb") as handle:
                head = handle.read(_HEAD_BYTES)
        except OSError as error:
            raise SourceError(f"cannot read the file ({error.strerror})", where=str(path)) from None
        for cls in readers:
            if cls.sniff(head):
                return cls(str(path), batch_rows=self.batch_rows, **self.options)
        raise SourceError("no reader knows this kind of file", where=str(path))
