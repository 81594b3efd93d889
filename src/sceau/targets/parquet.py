"""Parquet: a folder of files, one per batch, each a whole Parquet file of string columns.

The location is a folder ending in ``.parquet`` (``exports/lab.parquet/``); its files are named
``<table>-<run_id>-<batch:06d>.parquet`` and a batch's row count is read from its file's footer.
Parquet strings hold any Unicode text, NUL included: every value round-trips.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from sceau.targets._folder import FolderTarget
from sceau.targets.base import TargetError

_READ_ROWS = 65_536


class ParquetTarget(FolderTarget):
    """A folder of Parquet files (zstd), one per batch, all columns strings."""

    kind = "parquet"
    suffixes = (".parquet",)
    ending = ".parquet"

    def _schema(self) -> pa.Schema:
        return pa.schema([pa.field(name, pa.string()) for name in self.table.columns])

    def _check_columns(self) -> None:
        """Parquet takes any column name; check_names already refused empty and repeated ones."""

    def _check_file(self, path: Path) -> None:
        if not pq.read_schema(path).remove_metadata().equals(self._schema()):
            raise TargetError(
                f"a file of this table has other columns than the mandate's: {path.name}",
                hint="load into a new folder or table name, or move the old files away",
                where=self.where,
            )

    def _write(
        self,
        handle: BinaryIO,
        run_id: str,  # noqa: ARG002  (the hook's: the file's name says the run and batch)
        batch_no: int,  # noqa: ARG002
        columns: list[pa.Array[Any]],
    ) -> None:
        table = pa.Table.from_arrays(columns, schema=self._schema())
        pq.write_table(table, handle, compression="zstd")

    def _count(self, path: Path) -> int:
        return int(pq.read_metadata(path).num_rows)

    def _read(self, path: Path) -> Iterator[pa.RecordBatch]:
        self._check_file(path)
        with pq.ParquetFile(path) as file:
            for batch in file.iter_batches(batch_size=_READ_ROWS):
                yield pa.RecordBatch.from_arrays(batch.columns, names=list(self.table.columns))
