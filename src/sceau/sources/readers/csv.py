"""Delimited text in any French lab export dialect, streamed by pyarrow's CSV reader.

The dialect (encoding, delimiter, header) is sniffed from the first megabytes with Python's
``csv`` module; the file is then read block by block by ``pyarrow.csv.open_csv``, every column as
text (a phone number 0612345678 must not become an integer). The slow, exact ``csv`` module only
runs again on the error path, to name the line of a ragged row or an unclosed quote.

A file cut short (a truncated transfer) is an error, never a scan of its first part: a quoted
field still open at the end of the file, a last row with fewer fields than the header and no
line break after it, or a character cut in two at the very end.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from sceau.sources.base import DEFAULT_BATCH_ROWS, Opener, Source, SourceError, Table
from sceau.sources.readers._arrow import rebatch
from sceau.sources.readers._header import column_names, looks_like_header
from sceau.sources.readers._stream import TailStream
from sceau.sources.readers._text import (
    SNIFF_BYTES,
    Encoding,
    decode_sample,
    detect_encoding,
    encoding_error,
    text_lines,
    undecodable,
)
from sceau.sources.readers._transcode import single_byte

DELIMITERS = (";", ",", "\t", "|")
_NAMES = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe"}
_ALIASES = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
_LONE_COLUMN = "\x1f"  # a delimiter for one-column files: the ASCII unit separator
_SAMPLE_RECORDS = 500
# pyarrow reads up to 32 blocks ahead of the consumer (ARROW-12090): small blocks keep memory
# bounded whatever the file's size; 1-4 MB is also where pyarrow reads fastest.
_MIN_BLOCK, _MAX_BLOCK = 256 << 10, 2 << 20
_TRUNCATED_HINT = (
    "the transfer was probably cut: get the file again (re-export or copy it once more) "
    "and scan the complete file; nothing was read from this one"
)


@dataclass(frozen=True)
class Dialect:
    """What sniffing found (or the options forced) for one file."""

    encoding: Encoding
    delimiter: str
    header: bool
    columns: list[str]
    bytes_per_row: float


class CsvSource(Source):
    """A delimited text file: ``;`` ``,`` tab or ``|``, RFC 4180 quoting, any encoding."""

    kind = "csv"
    sniff_rank = 90
    suffixes = (".csv", ".txt", ".tsv")

    def __init__(
        self,
        location: str | Opener,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        encoding: str | None = None,
        delimiter: str | None = None,
        header: bool | None = None,
        **_options: Any,
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.file = Opener.of(location)
        self.encoding = encoding
        self.delimiter = _delimiter_option(delimiter, self.file.name)
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
        size = self.file.size()
        rows = int(size / dialect.bytes_per_row) if size and dialect.bytes_per_row else None
        yield Table(
            name=self.file.name,
            batches=lambda: self._batches(dialect),
            expected_rows=rows,
            expected_bytes=size,
        )

    def dialect(self) -> Dialect:
        """Sniffs encoding, delimiter and header from the head of the file (options win)."""
        where = self.file.name
        head = self.file.head(SNIFF_BYTES)
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
            if _open_at_end(text, delimiter):
                raise SourceError(
                    "the file looks truncated: a quoted field opened on this line is never closed",
                    hint=_TRUNCATED_HINT,
                    where=f"{where}:1",
                )
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
        codec = dialect.encoding.codec
        transcoded = single_byte(codec)  # read as UTF-8 by sceau itself, valid by construction
        read = pacsv.ReadOptions(
            encoding="utf8" if codec == "utf-8" or transcoded else codec,
            column_names=dialect.columns,
            skip_rows_after_names=1 if dialect.header else 0,  # counts rows, not lines
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
            check_utf8=not transcoded,
        )
        last: pa.RecordBatch | None = None
        try:
            with self.file.stream() as raw:
                tail = TailStream(raw, codec if transcoded else None)
                reader = pacsv.open_csv(
                    tail,  # type: ignore[arg-type]  # pyarrow reads any object with read(); its stubs ask for IO
                    read_options=read,
                    parse_options=parse,
                    convert_options=convert,
                )
                for batch in rebatch(reader, self.batch_rows):
                    last = batch
                    yield batch
        except UnicodeDecodeError:
            raise self._encoding_error(dialect) from None
        except pa.ArrowInvalid as error:
            if "UTF8" in str(error):
                raise self._encoding_error(dialect) from None
            raise self._parse_error(dialect) from None
        except OSError as error:
            raise SourceError(
                f"cannot read the file ({error.strerror or 'I/O error'})",
                hint="check that it still exists and that you may read it",
                where=self.file.name,
            ) from None
        if last is not None and _may_end_in_open_quote(tail.end, last, dialect):
            located = _locate(self.file, dialect)
            if located is not None:
                raise located

    def _encoding_error(self, dialect: Dialect) -> SourceError:
        found = undecodable(self.file, dialect.encoding)
        if found is not None and found[1]:  # a character cut in two by the end of the file
            return _locate(self.file, dialect, cut=True) or encoding_error(
                self.file, dialect.encoding
            )
        return encoding_error(self.file, dialect.encoding)

    def _parse_error(self, dialect: Dialect) -> SourceError:
        located = _locate(self.file, dialect)
        if located is not None:
            return located
        return SourceError(
            "the file could not be parsed as delimited text",
            hint=f"check the delimiter ({_NAMES.get(dialect.delimiter, 'none')} was used; "
            "force one with --delimiter) and the encoding (--encoding)",
            where=self.file.name,
        )


def _may_end_in_open_quote(end: bytes, last: pa.RecordBatch, dialect: Dialect) -> bool:
    """Cheap test: does the file end with ``"`` + the last cell, as an unclosed quote would?

    pyarrow reads a quote left open at the end of the file as a cell running to the end; only
    when the tail matches that shape (or is too short to tell) is the file parsed again,
    exactly, to be sure.
    """
    if dialect.delimiter == _LONE_COLUMN:
        return False
    value = last.column(last.num_columns - 1)[last.num_rows - 1].as_py() or ""
    raw = ('"' + value.replace('"', '""')).encode(dialect.encoding.plain, "replace")
    return len(raw) >= len(end) or end.endswith(raw)


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


@dataclass(frozen=True)
class _Shape:
    """What an exact parse of the whole file found (error path only)."""

    ragged: tuple[int, int] | None  # (line, fields) of the first record of the wrong width
    ragged_is_last: bool
    last_line: int  # where the last record starts
    open_quote: bool  # the file ends inside a quoted field
    ends_with_break: bool


def _locate(file: Opener, dialect: Dialect, *, cut: bool = False) -> SourceError | None:
    """Re-reads the file exactly to name a truncation, the first ragged row, or nothing.

    ``cut``: the file is known to end in a character cut in two, so it is truncated whatever
    its rows look like.
    """
    try:
        shape = _shape(file, dialect)
    except UnicodeDecodeError:
        return encoding_error(file, dialect.encoding)
    width = len(dialect.columns)
    short_end = shape.ragged_is_last and shape.ragged is not None and shape.ragged[1] < width
    if shape.open_quote or cut or (short_end and not shape.ends_with_break):
        why = (
            "a quoted field opened on this line is never closed"
            if shape.open_quote
            else "its last row is cut short"
        )
        return SourceError(
            f"the file looks truncated: {why}",
            hint=_TRUNCATED_HINT,
            where=f"{file.name}:{shape.last_line}",
        )
    if shape.ragged is not None:
        line, fields = shape.ragged
        return SourceError(
            f"this row has {fields} fields where {width} were expected",
            hint=f"check the delimiter ({_NAMES.get(dialect.delimiter, 'none')} was detected; "
            "force one with --delimiter) and that fields holding it or line breaks are in "
            "double quotes",
            where=f"{file.name}:{line}",
        )
    return None


def _shape(file: Opener, dialect: Dialect) -> _Shape:
    width = len(dialect.columns)
    lines = _Last(text_lines(file, dialect.encoding))
    reader = csv.reader(lines, delimiter=dialect.delimiter)
    ragged: tuple[int, int] | None = None
    ragged_is_last = False
    start = last_line = 1
    first = True
    for record in reader:
        if record:
            last_line = start
            if ragged is not None:
                ragged_is_last = False
                break
            if not (first and dialect.header) and len(record) != width:
                ragged, ragged_is_last = (start, len(record)), True
            first = False
        start = reader.line_num + 1
    open_quote = (ragged is None or ragged_is_last) and _ends_in_open_quote(file, dialect)
    ends_with_break = lines.last.endswith(("\n", "\r"))
    return _Shape(ragged, ragged_is_last, last_line, open_quote, ends_with_break)


class _Last:
    """Lines passed on one by one, the last one kept."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.last = ""

    def __iter__(self) -> Iterator[str]:
        for line in self.lines:
            self.last = line
            yield line


def _ends_in_open_quote(file: Opener, dialect: Dialect) -> bool:
    """Whether the exact, strict parser reaches the end of the file inside a quoted field."""
    return _open_at_end(text_lines(file, dialect.encoding), dialect.delimiter)


def _open_at_end(lines: Iterable[str], delimiter: str) -> bool:
    if delimiter == _LONE_COLUMN:
        return False
    reader = csv.reader(
        lines if not isinstance(lines, str) else io.StringIO(lines),
        delimiter=delimiter,
        strict=True,
    )
    try:
        for _ in reader:
            pass
    except csv.Error as error:
        return "end of data" in str(error)
    return False
