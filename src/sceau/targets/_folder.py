"""Folder targets: one file per batch, ``<table>-<run_id>-<batch:06d><ending>``, renamed into place.

A batch is written to a hidden temporary file in the same folder, flushed to disk, renamed to
its final name, and the folder itself is flushed: the file's presence is the checkpoint, and a
file is either whole or absent. Temporary files left by a killed process are removed by the next
``prepare``. The folder is created 0700 and every file 0600: they hold patient data.
"""

from __future__ import annotations

import errno
import os
import re
from abc import abstractmethod
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, TypeVar

import pyarrow as pa

from sceau.files import atomic_file
from sceau.targets._checks import check_batch_no, check_names, check_run_id, text_columns
from sceau.targets.base import Target, TargetError, TargetTable

_TABLE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]{0,99}")
_T = TypeVar("_T")


class FolderTarget(Target):
    """What the Parquet and FHIR targets share; each says how a batch becomes a file."""

    ending: ClassVar[str]  # the batch files' ending: ".parquet", ".ndjson"

    def __init__(self, location: str, table: TargetTable) -> None:
        super().__init__(location, table)
        self.folder = Path(location.rstrip("/") or "/").expanduser()
        self.where = f"{self.display}#{table.name}"
        self._pattern = re.compile(
            re.escape(table.name)
            + r"-([A-Za-z0-9][A-Za-z0-9_.-]*)-([0-9]{6,})"
            + re.escape(self.ending)
        )

    def reached(self) -> list[str]:
        return [str(self.folder.resolve())] if self.folder.is_dir() else []

    # --- what each kind says --------------------------------------------------------------

    @abstractmethod
    def _check_columns(self) -> None:
        """Refuse column names this kind of file cannot carry."""

    @abstractmethod
    def _check_file(self, path: Path) -> None:
        """Refuse a file of this table whose columns are not the table's."""

    @abstractmethod
    def _write(
        self, handle: BinaryIO, run_id: str, batch_no: int, columns: list[pa.Array[Any]]
    ) -> None:
        """Write one batch's rows to an open file."""

    @abstractmethod
    def _count(self, path: Path) -> int:
        """How many rows a batch file holds."""

    @abstractmethod
    def _read(self, path: Path) -> Iterator[pa.RecordBatch]:
        """A batch file's rows as string columns named like the table's."""

    # --- the contract ---------------------------------------------------------------------

    def check_place(self) -> None:
        if not Path(self.location).is_absolute():  # "~" too: it is each account's own
            raise TargetError(
                "the folder is not an absolute path: it would name another folder from every "
                "working directory",
                hint="give the folder's absolute path, starting with /",
                where=self.display,
            )

    def check_table(self) -> None:
        check_names(self.table, self.where)
        if not _TABLE.fullmatch(self.table.name):
            raise TargetError(
                f"the table name {self.table.name!r} cannot start file names",
                hint="in a folder target a table name is 1 to 100 letters, digits, '_' or '.' "
                "(no '-': it separates the parts of each file name)",
                where=self.where,
            )
        self._check_columns()

    def prepare(self, *, create: bool) -> None:
        self.check_table()
        if not self.folder.is_dir():
            if self.folder.exists() or not create:
                raise TargetError(
                    "the target folder does not exist"
                    if not self.folder.exists()
                    else "the target is not a folder",
                    hint=f"give a folder ending in {self.suffixes[0]}, or let sceau create it",
                    where=self.where,
                )
            self._guarded(self._make_folder)
        for path in self._guarded(lambda: list(self.folder.iterdir())):
            name = path.name
            if name.startswith(f".{self.table.name}-") and name.endswith(".part"):
                # a batch whose writer was killed: never committed, and plaintext patient data
                self._guarded(partial(path.unlink, missing_ok=True))
            elif name.startswith(f"{self.table.name}-") and not self._pattern.fullmatch(name):
                raise TargetError(
                    f"the folder holds a file of this table that sceau did not write: {name}",
                    hint="load into an empty folder, or move that file away",
                    where=self.where,
                )
        for path in self._files():
            self._guarded(partial(self._check_file, path))

    def _make_folder(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.folder.chmod(0o700)

    def loaded_batches(self, run_id: str) -> dict[int, int]:
        check_run_id(run_id, self.where)
        found = {}
        for path in self._files(run_id):
            match = self._pattern.fullmatch(path.name)
            if match is None:  # _files lists only names the pattern matches
                continue
            found[int(match[2])] = self._guarded(partial(self._count, path))
        return found

    def write_batch(self, run_id: str, batch_no: int, batch: pa.RecordBatch) -> None:
        check_run_id(run_id, self.where)
        check_batch_no(batch_no, self.where)
        columns = text_columns(batch, self.table, self.where)
        path = self.folder / f"{self.table.name}-{run_id}-{batch_no:06d}{self.ending}"
        if path.exists():
            recorded = self._guarded(lambda: self._count(path))
            if recorded != batch.num_rows:
                raise TargetError(
                    f"batch {batch_no} of run {run_id} was loaded with {recorded} rows, "
                    f"not {batch.num_rows}",
                    hint="the staged batch changed since it was loaded: verify the run",
                    where=self.where,
                )
            return
        self._guarded(lambda: self._write_atomic(path, run_id, batch_no, columns))

    def _write_atomic(
        self, path: Path, run_id: str, batch_no: int, columns: list[pa.Array[Any]]
    ) -> None:
        with atomic_file(path) as handle:
            self._write(handle, run_id, batch_no, columns)

    def read_rows(self) -> Iterator[pa.RecordBatch]:
        for path in self._files():
            yield from self._guarded(partial(self._read_whole, path))

    def _read_whole(self, path: Path) -> list[pa.RecordBatch]:
        return list(self._read(path))

    # --- helpers --------------------------------------------------------------------------

    def _files(self, run_id: str | None = None) -> list[Path]:
        """This table's batch files (of one run, if given), in run and batch order."""
        if not self.folder.is_dir():
            raise TargetError(
                "the target folder does not exist",
                hint="check the path; if it was removed during the run, restore it and resume",
                where=self.where,
            )
        names = self._guarded(lambda: os.listdir(self.folder))
        found = []
        for name in names:
            match = self._pattern.fullmatch(name)
            if match and (run_id is None or match[1] == run_id):
                found.append((match[1], int(match[2]), self.folder / name))
        return [path for _, _, path in sorted(found)]

    def _guarded(self, action: Callable[[], _T]) -> _T:
        """Run ``action``; file-system and format errors become TargetErrors."""
        try:
            return action()
        except TargetError:
            raise
        except OSError as error:
            reason = errno.errorcode.get(error.errno or 0, "") if error.errno else ""
            raise TargetError(
                f"cannot write or read the target folder{f' ({reason})' if reason else ''}",
                hint="check that the folder exists, may be written by this user and has space; "
                "then resume",
                where=self.where,
            ) from None
        except pa.ArrowException as error:
            raise TargetError(
                f"a batch file cannot be read ({type(error).__name__})",
                hint="the folder holds a damaged or foreign file: move it away, then resume",
                where=self.where,
            ) from None
