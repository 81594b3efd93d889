"""FHIR NDJSON (bulk-data export): one table per resource type, JSON paths as columns.

Columns keep list positions, ``name[0].given[1]``, so that a patient's second telephone or
first identifier is a column of its own. The layout of every resource type is found in a first
streaming pass, so each table's schema is fixed before its batches flow.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pyarrow as pa

from sceau.sources.base import SourceError, Table
from sceau.sources.names import unique_names
from sceau.sources.readers._arrow import string_batch
from sceau.sources.readers._json import documents, flatten_indexed
from sceau.sources.readers.jsonl import JsonlSource


class FhirSource(JsonlSource):
    """FHIR resources, one JSON object per line, each with a ``resourceType``: JSON lines whose
    tables are its resource types."""

    kind = "fhir"
    sniff_rank = 20
    suffixes = ()  # .ndjson/.jsonl are claimed by the JSON-lines reader, which hands FHIR here

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
        return first.startswith(b"{") and b'"resourceType"' in first

    def tables(self) -> Iterator[Table]:
        layouts: dict[str, dict[str, None]] = {}
        counts: dict[str, int] = {}
        for number, document in documents(self.file):
            kind = _resource_type(document, self.file.name, number)
            columns = layouts.setdefault(kind, {})
            columns.update(dict.fromkeys(flatten_indexed(document)))
            counts[kind] = counts.get(kind, 0) + 1
        for kind, columns in layouts.items():
            paths = [path for path in columns if path != "resourceType"]
            yield Table(
                name=f"{self.file.name}#{kind}",
                batches=partial(self._resources, kind, paths),
                expected_rows=counts[kind],
            )

    def _resources(self, kind: str, paths: list[str]) -> Iterator[pa.RecordBatch]:
        names = unique_names(paths)
        rows: list[dict[str, str | None]] = []
        for number, document in documents(self.file):
            if _resource_type(document, self.file.name, number) != kind:
                continue
            rows.append(flatten_indexed(document))
            if len(rows) == self.batch_rows:
                yield _batch(names, paths, rows)
                rows = []
        if rows:
            yield _batch(names, paths, rows)


def _resource_type(document: dict[str, Any], where: str, line: int) -> str:
    kind = document.get("resourceType")
    if not isinstance(kind, str) or not kind.isidentifier():
        raise SourceError(
            "this line is not a FHIR resource (no resourceType)",
            hint="every line of a FHIR NDJSON file must be one resource: move the other "
            "lines to a file of their own",
            where=f"{where}:{line}",
        )
    return kind


def _batch(names: list[str], paths: list[str], rows: list[dict[str, str | None]]) -> pa.RecordBatch:
    return string_batch(names, [[row.get(path) for row in rows] for path in paths])
