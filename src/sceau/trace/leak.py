"""``sceau trace``: a file that turned up, read as a scan reads it, and matched against the
index: which recorded scans and runs held its people, how much of it each explains, and what no
record explains. The report holds names, counts and record numbers: never a value of the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sceau._version import __version__
from sceau.detect.report import ScanReport
from sceau.detect.scan import ScanOptions, scan
from sceau.progress import Progress
from sceau.trace.impact import Impact, measure
from sceau.trace.index import Record, TraceIndex
from sceau.trace.match import MIN_ROWS, MIN_SHARE, TableTrace, Tracing


@dataclass
class TraceReport:
    """What a leaked file matched, table by table."""

    scan: ScanReport
    tables: list[TableTrace]
    indexed: int  # records in the index when the file was traced
    impact: Impact
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    kind: str = "trace"

    @property
    def sources(self) -> list[Record]:
        """Every record named as a source of some table, once each, by number."""
        return named_sources(self.tables)

    @property
    def also_held_by(self) -> list[Record]:
        """Readings that hold enough of a table's people but explain none the sources did not:
        where else these people were read (a run of the export a scan read)."""
        named = {r.record_id for r in self.sources}
        held = {s.record.record_id: s.record for t in self.tables for s in t.also}
        return [held[n] for n in sorted(held) if n not in named]

    def to_dict(self) -> dict[str, Any]:
        rows = sum(t.rows for t in self.tables)
        matched = sum(t.matched for t in self.tables)
        return {
            "report": self.kind,
            "schema_version": 1,
            "sceau_version": __version__,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "rule": {"min_rows": MIN_ROWS, "min_share": MIN_SHARE},
            "summary": {
                "tables": len(self.tables),
                "rows": rows,
                "matched_rows": matched,
                "unmatched_rows": rows - matched,
                "sources": len(self.sources),
                "records_in_index": self.indexed,
            },
            "sources": [record_dict(r) for r in self.sources],
            "also_held_by": [record_dict(r) for r in self.also_held_by],
            "tables": [_table(t) for t in self.tables],
            "impact": self.impact.to_dict(),
            "skipped": [{"location": s.location, "reason": s.reason} for s in self.scan.skipped],
        }


def trace_leak(
    locations: Iterable[str | Path],
    index: TraceIndex,
    secret: bytes,
    *,
    progress: Progress | None = None,
) -> TraceReport:
    """Read every table of ``locations`` (files, folders, archives) and match each against
    ``index`` under the trace key ``secret``."""
    started_at = datetime.now(UTC)
    tracing = Tracing(index, secret, as_of=started_at.date())
    records = index.records()
    report = scan(locations, options=ScanOptions(read_along=tracing), progress=progress)
    sources = named_sources(tracing.tables)
    return TraceReport(
        scan=report,
        tables=tracing.tables,
        indexed=len(records),
        impact=measure(tracing.impacts, sources, records, tracing.as_of),
        started_at=started_at,
    )


def named_sources(tables: Iterable[TableTrace]) -> list[Record]:
    """Every record named as a source of some table, once each, by number."""
    named = {s.record.record_id: s.record for t in tables for s in t.sources}
    return [named[n] for n in sorted(named)]


def record_dict(record: Record) -> dict[str, Any]:
    """A recorded reading as reports show it: where, when, by whom, for whom; no value."""
    return {
        "record": record.record_id,
        "kind": record.kind,
        "ref": record.ref,
        "source": record.source,
        "rows": record.rows,
        "recorded_at": record.recorded_at.isoformat(timespec="seconds"),
        "recorded_by": record.recorded_by,
        "finess": record.finess,
        "mandate_sha256": record.mandate_sha256,
        "recipient": record.recipient,
    }


def _table(table: TableTrace) -> dict[str, Any]:
    return {
        "table": table.table,
        "rows": table.rows,
        "identifiers": [k.value for k in table.kinds],
        "matched_rows": table.matched,
        "unmatched_rows": table.unmatched,
        "candidates": table.candidates,
        "sources": [
            {
                "record": s.record.record_id,
                "rows": s.rows,
                "share": round(s.rows / table.rows, 4) if table.rows else 0.0,
                "explains": s.new_rows,
                "by_identifier": dict(sorted(s.by_kind.items())),
            }
            for s in table.sources
        ],
        "also_held_by": [
            {
                "record": s.record.record_id,
                "rows": s.rows,
                "share": round(s.rows / table.rows, 4) if table.rows else 0.0,
            }
            for s in table.also
        ],
    }
