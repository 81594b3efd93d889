"""Parquet files, read row group by row group; every value handed on as text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sceau.sources.base import DEFAULT_BATCH_ROWS, Source, SourceError, Table, register
from sceau.sources.readers._arrow import text_columns

_MAGIC = b"PAR1"


@register
class ParquetSource(Source):
    """A Parquet file; struct columns become dotted columns, lists JSON text, dates ISO."""

    kind = "parquet"
    suffixes = (".parquet", ".pq")

    def __init__(
        self, location: str, *, batch_rows: int = DEFAULT_BATCH_ROWS, **options: Any
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.path = Path(location)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(_MAGIC)

    def tables(self) -> Iterator[Table]:
        with self._open() as handle:
            rows = handle.metadata.num_rows
        yield Table(
            name=str(self.path),
            batches=self._batches,
            expected_rows=rows,
            expected_bytes=self.path.stat().st_size,
        )

    def _open(self) -> pq.ParquetFile:
        try:
            return pq.ParquetFile(self.path)
        except (pa.ArrowException, OSError) as error:
            raise self._error(error) from None

    def _batches(self) -> Iterator[pa.RecordBatch]:
        with self._open() as handle:
            try:
                for batch in handle.iter_batches(batch_size=self.batch_rows):
                    yield text_columns(batch)
            except (pa.ArrowException, OSError) as error:
                raise self._error(error) from None

    def _error(self, error: Exception) -> SourceError:
        reason = getattr(error, "strerror", None) or "not a readable Parquet file"
        return SourceError(
            f"cannot read the file ({reason})",
            hint="check that it is a complete Parquet file (re-export it if it was truncated)",
            where=str(self.path),
        )
