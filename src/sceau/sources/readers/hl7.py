"""HL7 v2 files: one table per segment type, one row per segment, one column per component.

Messages are found by their MSH segment whatever frames them (new lines, MLLP's 0x0b ... 0x1c
0x0d); segments end at ``\\r``, ``\\n`` or ``\\r\\n``. Each message's separators come from its
own MSH-1 and MSH-2, and escape sequences are decoded. A first streaming pass fixes the columns
of each segment type; each table then streams the file again. Splitting a segment is Python
string work, one ``split`` per segment: HL7 has no columnar form to vectorise.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any

import pyarrow as pa

from sceau.sources.base import DEFAULT_BATCH_ROWS, Opener, Source, SourceError, Table
from sceau.sources.readers._arrow import string_batch
from sceau.sources.readers._text import SNIFF_BYTES, Encoding, detect_encoding, encoding_error

_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}\Z")
_FRAMING = "\r\n\x0b\x1c"  # line ends and MLLP's start/end block characters


@dataclass(frozen=True)
class Separators:
    """The delimiters a message declares in MSH-1 and MSH-2."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"


class Hl7Source(Source):
    """HL7 v2.x messages (ORU^R01, ADT, ...), one table per segment type."""

    kind = "hl7"
    sniff_rank = 10
    suffixes = (".hl7",)

    def __init__(
        self,
        location: str | Opener,
        *,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        encoding: str | None = None,
        **_options: Any,
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.file = Opener.of(location)
        self.encoding = encoding

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        start = head.lstrip(b"\xef\xbb\xbf\x0b \t\r\n")
        return start.startswith(b"MSH") and len(start) > 3 and not start[3:4].isalnum()

    def tables(self) -> Iterator[Table]:
        head = self.file.head(SNIFF_BYTES)
        encoding = detect_encoding(head, self.file.name, self.encoding)
        widths: dict[str, list[int]] = {}  # segment id -> components per field (index 0 unused)
        counts: dict[str, int] = {}
        for _, _, segment_id, fields in self._segments(encoding):
            width = widths.setdefault(segment_id, [0])
            if len(fields) > len(width):
                width.extend([1] * (len(fields) - len(width)))
            for index in range(1, len(fields)):
                width[index] = max(width[index], len(fields[index]))
            counts[segment_id] = counts.get(segment_id, 0) + 1
        if not counts:
            raise SourceError(
                "the file holds no HL7 message", hint="check the export", where=self.file.name
            )
        for segment_id, width in widths.items():
            names = ["message"] + [
                f"{segment_id}-{field}.{component}"
                for field in range(1, len(width))
                for component in range(1, width[field] + 1)
            ]
            yield Table(
                name=f"{self.file.name}#{segment_id}",
                batches=partial(self._batches, encoding, segment_id, width, names),
                expected_rows=counts[segment_id],
            )

    def _batches(
        self, encoding: Encoding, wanted: str, width: list[int], names: list[str]
    ) -> Iterator[pa.RecordBatch]:
        columns: list[list[str | None]] = [[] for _ in names]
        for message, _, segment_id, fields in self._segments(encoding, only=wanted):
            if segment_id != wanted:
                continue
            columns[0].append(str(message))
            position = 1
            for field in range(1, len(width)):
                components = fields[field] if field < len(fields) else []
                for component in range(width[field]):
                    value = components[component] if component < len(components) else None
                    columns[position].append(value or None)
                    position += 1
            if len(columns[0]) == self.batch_rows:
                yield string_batch(names, columns)
                columns = [[] for _ in names]
        if columns[0]:
            yield string_batch(names, columns)

    def _segments(
        self, encoding: Encoding, only: str | None = None
    ) -> Iterator[tuple[int, int, str, list[list[str]]]]:
        """(message index, line, segment id, components of each field) for every segment."""
        message, separators = -1, Separators()
        try:
            stream = self.file.stream()
            with io.TextIOWrapper(stream, encoding=encoding.codec, newline="") as handle:
                for line, text in enumerate(handle, start=1):
                    segment = text.strip(_FRAMING).lstrip("\ufeff")
                    if not segment.strip():
                        continue
                    segment_id = segment[:3]
                    if segment_id == "MSH":
                        message += 1
                        separators = self._separators(segment, message, line)
                    elif message < 0:
                        raise self._error("the file does not start with an MSH segment", 0, line)
                    if not _SEGMENT_ID.match(segment_id) or segment[3:4] not in (
                        "",
                        separators.field,
                    ):
                        raise self._error(
                            "a segment id must be 3 upper-case letters or digits followed by "
                            "the field separator",
                            message,
                            line,
                        )
                    if only is not None and segment_id != only:
                        yield message, line, segment_id, []
                        continue
                    yield message, line, segment_id, _split(segment, separators)
        except UnicodeDecodeError:
            raise encoding_error(self.file, encoding) from None
        except OSError as error:
            raise self.file.unreadable(error) from None

    def _separators(self, segment: str, message: int, line: int) -> Separators:
        field = segment[3:4]
        end = segment.find(field, 4) if field else -1
        characters = segment[4:end] if end > 0 else segment[4:]
        if not field or field.isalnum() or len(characters) < 4 or field in characters:
            raise self._error("MSH-1 and MSH-2 do not declare the separators", message, line)
        return Separators(field, *characters[:4])

    def _error(self, message: str, index: int, line: int) -> SourceError:
        return SourceError(
            f"{message} (message {index}, as numbered in the message column)",
            hint="check that this is an HL7 v2 file and that it is complete; a line break "
            "inside a field must be escaped as \\.br\\",
            where=f"{self.file.name}:{line}",
        )


def _split(segment: str, separators: Separators) -> list[list[str]]:
    """Fields (1-based) of the first repetition, each as its list of decoded components."""
    parts = segment.split(separators.field)
    if parts[0] == "MSH":  # MSH-1 is the field separator itself, MSH-2 the encoding characters
        return [[], [separators.field], [parts[1]]] + [
            _components(part, separators) for part in parts[2:]
        ]
    return [[]] + [_components(part, separators) for part in parts[1:]]


def _components(field: str, separators: Separators) -> list[str]:
    first = field.split(separators.repetition, 1)[0]
    components = first.split(separators.component)
    if separators.escape in first:
        return [unescape(value, separators) for value in components]
    return components


def unescape(value: str, separators: Separators) -> str:
    """Decodes \\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\Xhh..\\ and \\.br\\; drops formatting escapes."""
    if separators.escape not in value:
        return value
    return _escape_pattern(separators.escape).sub(
        lambda match: _escaped(match.group(1), separators), value
    )


@lru_cache(maxsize=8)
def _escape_pattern(escape: str) -> re.Pattern[str]:
    e = re.escape(escape)
    return re.compile(f"{e}([^{e}]*){e}")


def _escaped(code: str, separators: Separators) -> str:
    simple = {
        "F": separators.field,
        "S": separators.component,
        "T": separators.subcomponent,
        "R": separators.repetition,
        "E": separators.escape,
        ".br": "\n",
    }
    if code in simple:
        return simple[code]
    if code[:1] == "X" and len(code) % 2 == 1:
        try:
            raw = bytes.fromhex(code[1:])
        except ValueError:
            return ""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    return ""  # highlighting (\H\ \N\), character sets (\C..\ \M..\), local (\Z..\)
