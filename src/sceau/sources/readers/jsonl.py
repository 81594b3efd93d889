"""JSON lines (``.jsonl``, ``.ndjson``): the documents as one table, nested records as dotted
columns, arrays and maps as child tables (see :mod:`sceau.sources.readers._json_tables`).

A file whose first object has a ``resourceType`` is FHIR and is read by the FHIR reader
instead, whichever of the two the file's ending or ``--kind`` chose.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import Any, ClassVar

import pyarrow as pa

from sceau.sources.base import DEFAULT_BATCH_ROWS, Opener, Source, SourceError, Table
from sceau.sources.readers._arrow import string_batch
from sceau.sources.readers._json import documents
from sceau.sources.readers._json_tables import Layout, Node, layouts


class JsonlSource(Source):
    """JSON lines: one object per line."""

    kind = "jsonl"
    sniff_rank = 80
    suffixes: ClassVar[tuple[str, ...]] = (".jsonl", ".ndjson")

    def __new__(cls, location: str | Opener, **options: Any) -> JsonlSource:
        if cls is JsonlSource and _is_fhir(Opener.of(location)):
            from sceau.sources.readers.fhir import FhirSource

            return FhirSource(location, **options)
        return super().__new__(cls)

    def __init__(
        self, location: str | Opener, *, batch_rows: int = DEFAULT_BATCH_ROWS, **_options: Any
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.file = Opener.of(location)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")

    def tables(self) -> Iterator[Table]:
        root = Node(root=True)
        rows = 0
        for _, document in documents(self.file):
            root.add(document)
            rows += 1
        size = self.file.size()
        for layout in layouts(root, rows):
            yield Table(
                name=f"{self.file.name}#{layout.path}" if layout.path else self.file.name,
                batches=partial(self._batches, layout),
                expected_rows=layout.rows,
                expected_bytes=size if not layout.route else None,
            )

    def _batches(self, layout: Layout) -> Iterator[pa.RecordBatch]:
        names = layout.names
        rows: list[list[str | None]] = []
        for line, document in documents(self.file):
            for row in layout.rows_of(line, document):
                rows.append(row)
                if len(rows) == self.batch_rows:
                    yield _batch(names, rows)
                    rows = []
        if rows:
            yield _batch(names, rows)


def _batch(names: list[str], rows: list[list[str | None]]) -> pa.RecordBatch:
    return string_batch(names, [list(column) for column in zip(*rows, strict=True)])


def _is_fhir(file: Opener) -> bool:
    """Whether the first non-blank line is a JSON object with a ``resourceType`` string."""
    try:
        with file.stream() as handle:
            for line in handle:
                if line.strip():
                    return b'"resourceType"' in line and _first_type(line) is not None
    except (OSError, SourceError):
        return False
    return False


def _first_type(line: bytes) -> str | None:
    try:
        document = json.loads(line.lstrip(b"\xef\xbb\xbf"))
    except ValueError:
        return None
    kind = document.get("resourceType") if isinstance(document, dict) else None
    return kind if isinstance(kind, str) else None
