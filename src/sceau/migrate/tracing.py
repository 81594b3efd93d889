"""A run records who it read in the trace index: the keyed fingerprints of each source row's
identity, taken before anything is pseudonymised, under one record of kind ``run``.

- Whose identity: the drift scan says whose each column is (a practitioner's or a sampler's
  name never joins a patient's key); the mandate says what it is, the controller's override
  included.
- Where: the driver process fingerprints each batch as it hands it to the stage (in a thread
  of its own), so the trace key, fetched once per run from the session's key provider, never
  reaches a worker process.
- Exactly once: a batch's fingerprints are sealed into the run's staging beside the batch, under
  the run's key, and kept with the batch's checkpoint; when extraction ends, those of every
  checkpointed batch become the record. A restarted extraction clears the staging, fingerprints
  included, and reads from the first batch again: a stop loses nothing and counts nothing twice.
  A run whose record was made already (killed just after) does not make a second one.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import polars as pl
import pyarrow as pa

from sceau.detect.report import TableScan
from sceau.mandate.model import Mandate
from sceau.mandate.policy import effective_category
from sceau.migrate.outcome import RunOutcome
from sceau.migrate.session import MigrationSession
from sceau.migrate.staging import Staging
from sceau.sources.frames import frame_of
from sceau.trace.identity import IdentityColumns
from sceau.trace.index import Record, TraceIndex
from sceau.trace.key import trace_key
from sceau.trace.record import Fingerprinting, TableFingerprints, batch_prints

PRINTS = "prints"  # the staging part that holds a batch's fingerprints
RUN = "run"  # the kind of record a run makes


def identity_columns(mandate: Mandate, scan: TableScan) -> IdentityColumns:
    """The patient's identifier columns of the source: each column's subject as the drift scan
    reads it, its category as the mandate states it (the scan's where the mandate is silent)."""
    rules = {rule.source: rule for rule in mandate.columns}
    findings = []
    for finding in scan.columns:
        rule = rules.get(finding.name)
        signed = effective_category(rule, f"columns.{rule.source}") if rule else None
        findings.append(replace(finding, category=signed or finding.category))
    return IdentityColumns.of(findings)


@dataclass
class RunTracing:
    """One run's fingerprints: computed batch by batch, kept sealed, recorded at the end."""

    recorder: Fingerprinting
    columns: IdentityColumns
    staging: Staging
    source: str  # the source's public location
    _pending: dict[int, Future[pl.DataFrame]] = field(default_factory=dict)

    def watch(self, batches: Iterable[pa.RecordBatch]) -> Generator[pa.RecordBatch, None, None]:
        """``batches`` unchanged, each fingerprinted on its way (numbered from 0, as the stage
        numbers them) by a thread beside the stage: Polars' work on both overlaps."""
        secret = self.recorder.secret
        with ThreadPoolExecutor(1) as fingerprinter:
            for number, batch in enumerate(batches):
                self._pending[number] = fingerprinter.submit(
                    batch_prints, frame_of(batch), self.columns, secret
                )
                yield batch

    def keep(self, number: int) -> None:
        """Seal batch ``number``'s fingerprints into the staging (before its checkpoint)."""
        prints = _one_batch(self._pending.pop(number).result())
        self.staging.store(number, self.staging.seal(number, prints, PRINTS), PRINTS)

    def record(self, numbers: Iterable[int], rows: int) -> Record | None:
        """Record the fingerprints of batches ``numbers`` (``rows`` read) as the run's record;
        None if the run has one already."""
        recorder = self.recorder
        if recorder.index.holds(RUN, recorder.ref):
            return None
        parts = [frame_of(self.staging.read(number, PRINTS)) for number in numbers]
        return TableFingerprints(recorder, self.source, self.columns, parts).record(rows)


def run_tracing(
    session: MigrationSession,
    outcome: RunOutcome,
    staging: Staging,
    columns: IdentityColumns,
) -> RunTracing | None:
    """The run's tracing, under the trace key the session's key provider holds; None when the
    source names no patient (nothing to record, as for a scan)."""
    if not columns.kinds:
        return None
    mandate = outcome.verified.mandate
    recorder = Fingerprinting(
        index=TraceIndex(session.engine, session.settings.home / "trace"),
        events=session.events,
        secret=trace_key(session.provider, session.engine, session.events, actor=session.actor),
        kind=RUN,
        ref=outcome.run_id,
        by=session.actor,
        clock=session.now,
        finess=mandate.controller.finess,
        mandate_sha256=outcome.verified.sha256,
    )
    return RunTracing(recorder, columns, staging, outcome.source)


def _one_batch(frame: pl.DataFrame) -> pa.RecordBatch:
    table = frame.to_arrow()
    batches = table.combine_chunks().to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)
