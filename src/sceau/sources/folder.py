"""A folder: every file in it, recursively, in sorted order, archives opened.

One bad file must not stop the scan of a folder of exports: a file no reader claims, one its
reader cannot open, a member of an archive that is not read, a hidden file or folder — each is
recorded in ``skipped`` with the reason, and the scan goes on. Nothing is left out silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from sceau.sources.base import (
    DEFAULT_BATCH_ROWS,
    Opener,
    Skipped,
    Source,
    SourceError,
    Table,
    reader_for,
    skipped_for,
)

_HIDDEN_FILE = "a hidden file (its name starts with a dot): left out; scan it by its name"
_HIDDEN_FOLDER = "a hidden folder (its name starts with a dot): left out; scan it by its name"


class FolderSource(Source):
    """Every file under a folder, each read by the reader its ending or content calls for."""

    kind = "folder"

    def __init__(
        self, location: str, *, batch_rows: int = DEFAULT_BATCH_ROWS, **options: Any
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.path = Path(location)
        self.options = options

    @property
    def collection(self) -> bool:
        return True

    def files(self) -> Iterator[Path]:
        """Regular files under the folder, sorted; hidden ones are recorded in ``skipped``."""
        for root, folders, names in os.walk(self.path):
            for name in sorted(folder for folder in folders if folder.startswith(".")):
                self.skipped.append(Skipped(str(Path(root, name)) + os.sep, _HIDDEN_FOLDER))
            folders[:] = sorted(name for name in folders if not name.startswith("."))
            for name in sorted(names):
                path = Path(root, name)
                if name.startswith("."):
                    self.skipped.append(Skipped(str(path), _HIDDEN_FILE))
                elif path.is_file():
                    yield path

    def readers(self) -> Iterator[tuple[Source, list[Table]]]:
        """Each readable file's reader (its ``kind`` names the format) and its tables."""
        self.skipped.clear()
        for path in self.files():
            try:
                source = reader_for(Opener.of(path), batch_rows=self.batch_rows, **self.options)
                tables = list(source.tables())
            except SourceError as error:
                self.skipped.append(skipped_for(error, str(path)))
                continue
            self.skipped.extend(source.skipped)  # an archive's members not read
            yield source, [replace(table, kind=table.kind or source.kind) for table in tables]

    def tables(self) -> Iterator[Table]:
        """Every file's tables, each file's listed as it comes (an archive stays open while
        its members are read)."""
        self.skipped.clear()
        for path in self.files():
            try:
                source = reader_for(Opener.of(path), batch_rows=self.batch_rows, **self.options)
                for table in source.tables():
                    yield replace(table, kind=table.kind or source.kind)
            except SourceError as error:
                self.skipped.append(skipped_for(error, str(path)))
                continue
            self.skipped.extend(source.skipped)
