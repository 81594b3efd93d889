"""Excel workbooks (``.xlsx``): every sheet a table, read row by row in read-only mode.

openpyxl hands cells over as Python values, so the conversion to text is per cell: there is no
columnar Excel reader to vectorise with. Dates become ISO 8601 (a midnight date-time becomes a
date, as Excel stores dates of birth).
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from collections.abc import Iterator
from functools import partial
from typing import Any

import pyarrow as pa

from sceau.sources.base import DEFAULT_BATCH_ROWS, Opener, Source, SourceError, Table
from sceau.sources.readers._arrow import string_batch
from sceau.sources.readers._header import column_names, looks_like_header

_SAMPLE_ROWS = 50


class XlsxSource(Source):
    """An Excel 2007+ workbook; one table per sheet, ``file.xlsx#Sheet1``."""

    kind = "xlsx"
    sniff_rank = 40
    suffixes = (".xlsx", ".xlsm")
    random_access = True

    def __init__(
        self,
        location: str | Opener,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        header: bool | None = None,
        **_options: Any,
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.file = Opener.of(location)  # an archive member comes in memory: a workbook seeks
        self.header = header

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(b"PK\x03\x04") and b"xl/" in head

    def tables(self) -> Iterator[Table]:
        workbook = self._open()
        try:
            sheets = [(sheet.title, sheet.max_row) for sheet in workbook.worksheets]
        finally:
            workbook.close()
        for title, max_row in sheets:
            layout = self._layout(title)
            if layout is None:
                continue  # an empty sheet holds nothing to scan
            names, header, width = layout
            yield Table(
                name=f"{self.file.name}#{title}",
                batches=partial(self._batches, title, names, header, width),
                expected_rows=max(0, max_row - header) if max_row else None,
            )

    def _open(self) -> Any:
        import openpyxl

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about styles it cannot read
                return openpyxl.load_workbook(
                    self.file.path or self.file.stream(), read_only=True, data_only=True
                )
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            reason = getattr(error, "strerror", None) or "not a readable .xlsx workbook"
            raise SourceError(
                f"cannot open the workbook ({reason})",
                hint="check that it is an Excel 2007+ file (.xls files must be saved as .xlsx)",
                where=self.file.name,
            ) from None

    def _rows(self, title: str) -> Iterator[list[str | None]]:
        workbook = self._open()
        try:
            for row in workbook[title].iter_rows(values_only=True):
                yield [_text(value) for value in row]
        finally:
            workbook.close()

    def _layout(self, title: str) -> tuple[list[str], bool, int] | None:
        """Column names, whether row 1 is a header, and the width (the widest row)."""
        sample: list[list[str | None]] = []
        width = 0
        for row in self._rows(title):
            while row and row[-1] is None:
                row.pop()
            width = max(width, len(row))
            if len(sample) < _SAMPLE_ROWS:
                sample.append(row)
        sample = [row for row in sample if any(cell is not None for cell in row)]
        if not sample:
            return None
        cells = [[cell or "" for cell in row] for row in sample]
        header = self.header if self.header is not None else looks_like_header(cells)
        names = column_names(cells[0] if header else None, width)
        return names, header, width

    def _batches(
        self, title: str, names: list[str], header: bool, width: int
    ) -> Iterator[pa.RecordBatch]:
        columns: list[list[str | None]] = [[] for _ in names]
        rows = self._rows(title)
        skipped = not header
        for row in rows:
            if not any(cell is not None for cell in row):
                continue
            if not skipped:
                skipped = True
                continue
            for index in range(width):
                columns[index].append(row[index] if index < len(row) else None)
            if len(columns[0]) == self.batch_rows:
                yield string_batch(names, columns)
                columns = [[] for _ in names]
        if columns and columns[0]:
            yield string_batch(names, columns)


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
