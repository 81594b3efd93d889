"""Recording a reading of rows in the index, as the rows go by: a scan's tables (the scan's
:class:`~sceau.detect.scan.ReadAlong`), a run's extract, an export's file.

Each table read becomes one record once it has been read whole; a table whose columns name no
patient (no NIR, name and birth date, e-mail or phone of the patient) records nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl
from sqlalchemy import Engine

from sceau.config import Settings
from sceau.detect.base import ColumnFinding
from sceau.detect.report import TableScan
from sceau.events import EventSink, TraceRecorded
from sceau.keys import open_provider
from sceau.trace.fingerprint import fingerprints
from sceau.trace.identity import IdentityColumns, identity_keys
from sceau.trace.index import Reading, Record, TraceIndex
from sceau.trace.key import trace_key


@dataclass
class Fingerprinting:
    """Fingerprints every table a scan (or a run) reads, and records each in ``index``."""

    index: TraceIndex
    events: EventSink
    secret: bytes = field(repr=False)
    kind: str  # "scan", "run", "export"
    ref: str
    by: str
    clock: Callable[[], datetime]
    finess: str | None = None
    mandate_sha256: str | None = None
    recipient: str | None = None
    records: list[Record] = field(default_factory=list)

    def __call__(self, table: str, findings: Sequence[ColumnFinding]) -> TableFingerprints | None:
        columns = IdentityColumns.of(findings)
        return TableFingerprints(self, table, columns) if columns.kinds else None


@dataclass
class TableFingerprints:
    """One table's fingerprints, batch by batch, recorded when the table is read whole."""

    owner: Fingerprinting
    table: str
    columns: IdentityColumns
    parts: list[pl.DataFrame] = field(default_factory=list)

    def read(self, frame: pl.DataFrame, health: pl.Series) -> None:
        del health  # a recorded reading keeps who the rows are about, nothing of their text
        self.parts.append(batch_prints(frame, self.columns, self.owner.secret))

    def done(self, table: TableScan) -> None:
        self.record(table.rows)

    def record(self, rows: int) -> Record:
        """Record what was read (``rows`` of them) under one record."""
        owner = self.owner
        reading = Reading(
            kind=owner.kind,
            ref=owner.ref,
            source=self.table,
            rows=rows,
            recorded_at=owner.clock(),
            recorded_by=owner.by,
            finess=owner.finess,
            mandate_sha256=owner.mandate_sha256,
            recipient=owner.recipient,
        )
        prints = pl.concat(self.parts) if self.parts else pl.DataFrame()
        recorded = owner.index.add(reading, prints)
        owner.events.record(
            TraceRecorded(
                actor=owner.by,
                record_id=recorded.record_id,
                kind=recorded.kind,
                ref=recorded.ref,
                source=recorded.source,
                rows=recorded.rows,
                fingerprints=recorded.fingerprints,
                at=recorded.recorded_at,
            )
        )
        owner.records.append(recorded)
        self.parts = []
        return recorded


def batch_prints(frame: pl.DataFrame, columns: IdentityColumns, secret: bytes) -> pl.DataFrame:
    """The fingerprints of the people in ``frame``, one UInt64 column per key, each row once."""
    return fingerprints(identity_keys(frame, columns), secret).unique()


def start_fingerprinting(
    settings: Settings,
    engine: Engine,
    events: EventSink,
    *,
    kind: str,
    ref: str,
    by: str,
    finess: str | None = None,
    mandate_sha256: str | None = None,
) -> Fingerprinting:
    """Fingerprinting into this installation's index (``trace`` in sceau's home), under the
    trace key the key provider holds. KeyProviderError if the provider cannot give it."""
    provider = open_provider(settings)
    try:
        secret = trace_key(provider, engine, events, actor=by)
    finally:
        provider.close()
    return Fingerprinting(
        index=TraceIndex(engine, settings.home / "trace"),
        events=events,
        secret=secret,
        kind=kind,
        ref=ref,
        by=by,
        clock=lambda: datetime.now(UTC),
        finess=finess,
        mandate_sha256=mandate_sha256,
    )
