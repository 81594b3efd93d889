"""Parquet files, read row group by row group; every value handed on as text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sceau.sources.base import DEFAULT_BATCH_ROWS, Opener, Source, SourceError, Table
from sceau.sources.readers._arrow import text_columns

_MAGIC = b"PAR1"


class ParquetSource(Source):
    """A Parquet file; struct columns become dotted columns, lists JSON text, dates ISO."""

    kind = "parquet"
    sniff_rank = 30
    suffixes = (".parquet", ".pq")
    random_access = True

    def __init__(
        self, location: str | Opener, *, batch_rows: int = DEFAULT_BATCH_ROWS, **_options: Any
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.file = Opener.of(location)  # an archive member comes in memory: Parquet seeks

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(_MAGIC)

    def tables(self) -> Iterator[Table]:
        with self._open() as handle:
            rows = handle.metadata.num_rows
        yield Table(
            name=self.file.name,
            batches=self._batches,
            expected_rows=rows,
            expected_bytes=self.file.size(),
        )

    def _open(self) -> pq.ParquetFile:
        try:
            return pq.ParquetFile(self.file.path or self.file.stream())
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
            where=self.file.name,
        )
