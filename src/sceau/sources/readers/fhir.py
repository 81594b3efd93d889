"""FHIR NDJSON (bulk-data export): one table per resource type, JSON paths as columns.

Columns keep list positions, ``name[0].given[1]``, so that a patient's second telephone or
first identifier is a column of its own. The layout of every resource type is found in a first
streaming pass, so each table's schema is fixed before its batches flow.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from sceau.sources.base import DEFAULT_BATCH_ROWS, Source, SourceError, Table, register
from sceau.sources.readers._arrow import string_batch
from sceau.sources.readers._json import documents, flatten


@register
class FhirSource(Source):
    """FHIR resources, one JSON object per line, each with a ``resourceType``."""

    kind = "fhir"
    suffixes = ()  # .ndjson/.jsonl are claimed by the JSON-lines reader, which hands FHIR here

    def __init__(
        self, location: str, *, batch_rows: int = DEFAULT_BATCH_ROWS, **options: Any
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.path = Path(location)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
        return first.startswith(b"{") and b'"resourceType"' in first

    def tables(self) -> Iterator[Table]:
        layouts: dict[str, dict[str, None]] = {}
        counts: dict[str, int] = {}
        for number, document in documents(self.path):
            kind = _resource_type(document, self.path, number)
            columns = layouts.setdefault(kind, {})
            columns.update(dict.fromkeys(flatten(document, index_lists=True)))
            counts[kind] = counts.get(kind, 0) + 1
        for kind, columns in layouts.items():
            names = [name for name in columns if name != "resourceType"]
            yield Table(
                name=f"{self.path}#{kind}",
                batches=lambda kind=kind, names=names: self._batches(kind, names),
                expected_rows=counts[kind],
            )

    def _batches(self, kind: str, names: list[str]) -> Iterator[pa.RecordBatch]:
        rows: list[dict[str, str | None]] = []
        for number, document in documents(self.path):
            if _resource_type(document, self.path, number) != kind:
                continue
            rows.append(flatten(document, index_lists=True))
            if len(rows) == self.batch_rows:
                yield _batch(names, rows)
                rows = []
        if rows:
            yield _batch(names, rows)


def _resource_type(document: dict[str, Any], path: Path, line: int) -> str:
    kind = document.get("resourceType")
    if not isinstance(kind, str) or not kind.isidentifier():
        raise SourceError(
            "this line is not a FHIR resource (no resourceType)",
            hint="every line of a FHIR NDJSON file must be one resource: move the other "
            "lines to a file of their own",
            where=f"{path}:{line}",
        )
    return kind


def _batch(names: list[str], rows: list[dict[str, str | None]]) -> pa.RecordBatch:
    return string_batch(names, [[row.get(name) for row in rows] for name in names])
