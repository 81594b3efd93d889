"""JSON lines (``.jsonl``, ``.ndjson``): one table, nested objects as dotted columns.

A file whose first object has a ``resourceType`` is FHIR and is read by the FHIR reader
instead, whichever of the two the file's ending or ``--kind`` chose.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from sceau.sources.base import DEFAULT_BATCH_ROWS, Source, Table, register
from sceau.sources.readers._arrow import string_batch
from sceau.sources.readers._json import documents, flatten


@register
class JsonlSource(Source):
    """JSON lines: one object per line; lists kept whole as JSON text."""

    kind = "jsonl"
    suffixes = (".jsonl", ".ndjson")

    def __new__(cls, location: str, **options: Any) -> Source:
        if cls is JsonlSource and _is_fhir(Path(location)):
            from sceau.sources.readers.fhir import FhirSource

            return FhirSource(location, **options)
        return super().__new__(cls)

    def __init__(
        self, location: str, *, batch_rows: int = DEFAULT_BATCH_ROWS, **options: Any
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.path = Path(location)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")

    def tables(self) -> Iterator[Table]:
        columns: dict[str, None] = {}  # first-seen order
        rows = 0
        for _, document in documents(self.path):
            columns.update(dict.fromkeys(flatten(document, index_lists=False)))
            rows += 1
        names = list(columns)
        yield Table(
            name=str(self.path),
            batches=lambda: self._batches(names),
            expected_rows=rows,
            expected_bytes=self.path.stat().st_size,
        )

    def _batches(self, names: list[str]) -> Iterator[pa.RecordBatch]:
        rows: list[dict[str, str | None]] = []
        for _, document in documents(self.path):
            rows.append(flatten(document, index_lists=False))
            if len(rows) == self.batch_rows:
                yield _batch(names, rows)
                rows = []
        if rows:
            yield _batch(names, rows)


def _batch(names: list[str], rows: list[dict[str, str | None]]) -> pa.RecordBatch:
    return string_batch(names, [[row.get(name) for row in rows] for name in names])


def _is_fhir(path: Path) -> bool:
    """Whether the first non-blank line is a JSON object with a ``resourceType`` string."""
    try:
        with path.open("rb") as handle:
            for line in handle:
                if line.strip():
                    return b'"resourceType"' in line and _first_type(line) is not None
    except OSError:
        return False
    return False


def _first_type(line: bytes) -> str | None:

    try:
        document = json.loads(line.lstrip(b"\xef\xbb\xbf"))
    except ValueError:
        return None
    kind = document.get("resourceType") if isinstance(document, dict) else None
    return kind if isinstance(kind, str) else None
