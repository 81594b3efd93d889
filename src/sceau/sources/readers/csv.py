"""Delimited text in any French lab export dialect, streamed by pyarrow's CSV reader.

The dialect (encoding, delimiter, header) is sniffed from the first megabytes with Python's
``csv`` module; the file is then read block by block by ``pyarrow.csv.open_csv``, every column as
text (a phone number 0612345678 must not become an integer). The slow, exact ``csv`` module only
runs again on the error path, to name the line of a ragged row or an unclosed quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from sceau.sources.base import DEFAULT_BATCH_ROWS, Source, SourceError, Table, register
from sceau.sources.readers._arrow import rebatch
from sceau.sources.readers._header import column_names, looks_like_header
from sceau.sources.readers._text import (
    SNIFF_BYTES,
    Encoding,
    decode_sample,
    detect_encoding,
    encoding_error,
    read_head,
)

DELIMITERS = (";", ",", "\t", "|")
_NAMES = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}
_ALIASES = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
_LONE_COLUMN = "\x1f"  # a delimiter for one-column files: the ASCII unit separator
_SAMPLE_RECORDS = 500
# pyarrow reads up to 32 blocks ahead of the consumer (ARROW-12090): small blocks keep memory
# bounded whatever the file's size; 1-4 MB is also where pyarrow reads fastest.
_MIN_BLOCK, _MAX_BLOCK = 256 << 10, 2 << 20


@dataclass(frozen=True)
class Dialect:
    """What sniffing found (or the options forced) for one file."""

    encoding: Encoding
    delimiter: str
    header: bool
    columns: list[str]
    bytes_per_row: float


@register
class CsvSource(Source):
    """A delimited text file: ``;`` ``,`` tab or ``|``, RFC 4180 quoting, any encoding."""

    kind = "csv"
    suffixes = (".csv", ".txt", ".tsv")

    def __init__(
        self,
        location: str,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        encoding: str | None = None,
        delimiter: str | None = None,
        header: bool | None = None,
        **options: Any,
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.path = Path(location)
        self.encoding = encoding
        self.delimiter = _delimiter_option(delimiter, location)
        self.header = header

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        """Text whose first lines split the same way on one of the usual delimiters."""
        if b"\x00" in head or head.lstrip()[:1] in (b"{", b"[") or head.startswith(b"MSH|"):
            return False
        text = head.decode("utf-8", errors="replace")
        lines = [line for line in text.splitlines()[:20] if line.strip()][:-1] or text.splitlines()
        for delimiter in DELIMITERS:
            counts = {line.count(delimiter) for line in lines}
            if len(lines) >= 2 and len(counts) == 1 and counts != {0}:
                return True
        return False

    def tables(self) -> Iterator[Table]:
        dialect = self.dialect()
        size = self.path.stat().st_size
        yield Table(
            name=str(self.path),
            batches=lambda: self._batches(dialect),
            expected_rows=int(size / dialect.bytes_per_row) if dialect.bytes_per_row else None,
            expected_bytes=size,
        )

    def dialect(self) -> Dialect:
        """Sniffs encoding, delimiter and header from the head of the file (options win)."""
        where = str(self.path)
        head = read_head(self.path, SNIFF_BYTES)
        if not head.strip():
            raise SourceError(
                "the file is empty", hint="check that the export finished", where=where
            )
        complete = len(head) < SNIFF_BYTES
        encoding = detect_encoding(head, where, self.encoding)
        text = decode_sample(head, encoding)
        if not complete:
            text = text[: text.rfind("\n") + 1] or text
        delimiter = self.delimiter or _guess_delimiter(text)
        records = _records(text, delimiter)
        if not records:
            raise SourceError(
                "the file holds only blank lines", hint="check the export", where=where
            )
        header = self.header if self.header is not None else looks_like_header(records[:50])
        if header and len(records) == 1 and complete:
            raise SourceError(
                "the file has a header row but no data rows",
                hint="nothing to scan: check that the export finished, or pass --no-header "
                "if that row is data",
                where=f"{where}:1",
            )
        columns = column_names(records[0] if header else None, len(records[0]))
        sample_bytes = len(head) if complete else len(text.encode(encoding.plain, "replace"))
        lines = max(1, text.count("\n") + (not text.endswith("\n")) - header)
        return Dialect(encoding, delimiter, header, columns, sample_bytes / lines)

    def _batches(self, dialect: Dialect) -> Iterator[pa.RecordBatch]:
        block = int(dialect.bytes_per_row * self.batch_rows)
        read = pacsv.ReadOptions(
            encoding="utf8" if dialect.encoding.codec == "utf-8" else dialect.encoding.codec,
            column_names=dialect.columns,
            skip_rows=1 if dialect.header else 0,
            block_size=min(max(block, _MIN_BLOCK), _MAX_BLOCK),
        )
        parse = pacsv.ParseOptions(
            delimiter=dialect.delimiter,
            quote_char='"' if dialect.delimiter != _LONE_COLUMN else False,
            double_quote=True,
            newlines_in_values=True,
        )
        convert = pacsv.ConvertOptions(
            column_types={name: pa.string() for name in dialect.columns},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        last: pa.RecordBatch | None = None
        try:
            reader = pacsv.open_csv(
                self.path, read_options=read, parse_options=parse, convert_options=convert
            )
            for batch in rebatch(reader, self.batch_rows):
                last = batch
                yield batch
        except UnicodeDecodeError:
            raise encoding_error(self.path, dialect.encoding) from None
        except pa.ArrowInvalid as error:
            if "UTF8" in str(error):
                raise encoding_error(self.path, dialect.encoding) from None
            raise self._parse_error(dialect) from None
        except OSError as error:
            raise SourceError(
                f"cannot read the file ({error.strerror or 'I/O error'})",
                hint="check that it still exists and that you may read it",
                where=str(self.path),
            ) from None
        if last is not None and self._may_end_in_open_quote(last, dialect):
            located = _locate(self.path, dialect)
            if located is not None:
                raise located

    def _may_end_in_open_quote(self, last: pa.RecordBatch, dialect: Dialect) -> bool:
        """Cheap test: does the file end with ``"`` + the last cell, as an unclosed quote would?

        pyarrow reads a quote left open at the end of the file as a cell running to the end;
        only when the tail matches that shape is the file parsed again, exactly, to be sure.
        """
        if dialect.delimiter == _LONE_COLUMN:
            return False
        value = last.column(last.num_columns - 1)[last.num_rows - 1].as_py() or ""
        raw = ('"' + value.replace('"', '""')).encode(dialect.encoding.plain, "replace")
        size = self.path.stat().st_size
        with self.path.open("rb") as handle:
            handle.seek(max(0, size - len(raw)))
            return handle.read() == raw

    def _parse_error(self, dialect: Dialect) -> SourceError:
        located = _locate(self.path, dialect)
        if located is not None:
            return located
        return SourceError(
            "the file could not be parsed as delimited text",
            hint=f"check the delimiter ({_NAMES.get(dialect.delimiter, 'none')} was used; "
            "force one with --delimiter) and the encoding (--encoding)",
            where=str(self.path),
        )


def _delimiter_option(delimiter: str | None, where: str) -> str | None:
    if delimiter is None:
        return None
    delimiter = _ALIASES.get(delimiter.lower(), delimiter)
    if len(delimiter) != 1 or delimiter in ('"', "\n", "\r"):
        raise SourceError(
            "the delimiter must be one character",
            hint="use --delimiter with one of ; , | or tab",
            where=where,
        )
    return delimiter


def _records(text: str, delimiter: str) -> list[list[str]]:
    """Up to a few hundred records of the sample, parsed exactly; blank lines dropped."""
    if delimiter == _LONE_COLUMN:
        return [[line] for line in text.splitlines() if line.strip()][:_SAMPLE_RECORDS]
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"', doublequote=True)
    try:
        for record in reader:
            if record:
                records.append(record)
                if len(records) >= _SAMPLE_RECORDS:
                    break
    except csv.Error:
        pass  # a quote cut by the sniff window, or a broken file the reader will name
    return records


def _guess_delimiter(text: str) -> str:
    """The delimiter that splits the sample's records into the same number (> 1) of fields."""
    best, best_score = _LONE_COLUMN, (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(record) for record in _records(text, delimiter)]
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        if modal < 2:
            continue
        score = (counts.count(modal) / len(counts), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _locate(path: Path, dialect: Dialect) -> SourceError | None:
    """Re-reads the file exactly to name the first ragged row or unclosed quote (error path)."""
    where = str(path)
    hint = (
        f"check the delimiter ({_NAMES.get(dialect.delimiter, 'none')} was detected; force one "
        "with --delimiter) and that fields holding it or line breaks are in double quotes"
    )
    try:
        ragged = _first_problem(path, dialect, strict=False)
        if ragged is not None:
            line, fields = ragged
            return SourceError(
                f"this row has {fields} fields where {len(dialect.columns)} were expected",
                hint=hint,
                where=f"{where}:{line}",
            )
        unclosed = _first_problem(path, dialect, strict=True)
    except UnicodeDecodeError:
        return encoding_error(path, dialect.encoding)
    if unclosed is not None and unclosed[1] < 0:
        return SourceError(
            "a quoted field opened on this line is never closed",
            hint="the file looks truncated: re-export it, or check its quoting",
            where=f"{where}:{unclosed[0]}",
        )
    return None


def _first_problem(path: Path, dialect: Dialect, *, strict: bool) -> tuple[int, int] | None:
    """(line, fields) of the first record of the wrong width; fields is -1 for an open quote."""
    width = len(dialect.columns)
    with path.open(encoding=dialect.encoding.codec, newline="") as handle:
        if dialect.encoding.codec == "utf-8" and handle.read(1) != "\ufeff":
            handle.seek(0)
        reader = csv.reader(handle, delimiter=dialect.delimiter, strict=strict)
        start = 1
        try:
            for number, record in enumerate(reader):
                if record and not (number == 0 and dialect.header) and len(record) != width:
                    return start, len(record)
                start = reader.line_num + 1
        except csv.Error as error:
            return (start, -1) if "end of data" in str(error) else None
    return None
