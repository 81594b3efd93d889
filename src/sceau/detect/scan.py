"""The scan: classify every column of every table on a sample, then count over every row.

Classification needs only a sample (``sample_rows``, the first rows read); the counts that a
report states — valid identifiers, cells holding health data, identifiers hidden in text — are
taken over every row, batch by batch, so memory stays bounded by the batch size. The batches
read for the sample are counted too, never read twice.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

import polars as pl
import pyarrow as pa

from sceau.detect.base import Category, ColumnFinding, Detector, Evidence, registered
from sceau.detect.classify import Classification, classify_table
from sceau.detect.freetext import TextAnalysis, analyse_columns, analyse_rows
from sceau.detect.names import (
    FREE_TEXT_EXAMPLE,
    example_shape,
    public_batches,
    public_location,
)
from sceau.detect.population import Population
from sceau.detect.report import ScanReport, TableScan
from sceau.progress import Progress, Silent
from sceau.sources.ahead import read_ahead
from sceau.sources.base import (
    Skipped,
    SourceError,
    Table,
    batched,
    open_source,
    skipped_for,
)
from sceau.sources.frames import frame_of

DEFAULT_SAMPLE_ROWS = 10_000
_UNIQUE_SHARE = 0.95  # a sample this distinct: count cell by cell, grouping would not pay
COUNT_ROWS = 131_072  # rows counted at once: large enough to amortise, small enough to bound memory
_WITHHELD = frozenset({Category.PASSWORD, Category.PASSWORD_HASH})  # even a shape tells too much
_TEXT_BEHIND = 1  # batches whose free text may still be analysed while the next is counted
T = TypeVar("T")


class RowReader(Protocol):
    """Something else that reads a table's rows while the scan counts them (trace's
    fingerprints): each batch once counted, with ``health`` the bits
    (:data:`~sceau.detect.health.terminology.BIT`) of the health categories each row's free
    text mentions about the patient (0 without free text), as the scan's own analysis found
    them; then the table's scan once it is complete."""

    def read(self, frame: pl.DataFrame, health: pl.Series) -> None: ...

    def done(self, table: TableScan) -> None: ...


class ReadAlong(Protocol):
    """Given a table's public name and its classified columns, the reader of its rows (None:
    nothing to read in this table)."""

    def __call__(self, table: str, findings: Sequence[ColumnFinding]) -> RowReader | None: ...


@dataclass(frozen=True)
class ScanOptions:
    """How much to read: the sample for classification, and an optional cap on counting; and
    who else reads the rows as they go by."""

    sample_rows: int = DEFAULT_SAMPLE_ROWS
    max_rows: int | None = None  # None: count every row (the default; reports say if capped)
    read_along: ReadAlong | None = None


def scan(
    locations: Iterable[str | Path],
    *,
    options: ScanOptions | None = None,
    progress: Progress | None = None,
    kind: str | None = None,
    **source_options: object,
) -> ScanReport:
    """Scan files, folders, archives and database URLs; every table of each becomes one
    TableScan, and whatever is not read is listed in the report's ``skipped`` with the reason.

    A file or table named on its own that cannot be read is the scan's error; inside a folder,
    an archive or a whole database it is skipped, and none of its rows is counted.
    """
    options = options or ScanOptions()
    progress = progress or Silent()
    detectors = list(registered())
    tables: list[TableScan] = []
    skipped: list[Skipped] = []
    for location in locations:
        source = open_source(location, kind=kind, **source_options)
        for table in source.tables():
            try:
                scanned = scan_table(table, table.kind or source.kind, detectors, options, progress)
            except SourceError as error:
                if not source.collection:
                    raise
                skipped.append(skipped_for(error, table.name))
                progress.phase_done()  # the report lists it as skipped, with the reason
                continue
            tables.append(scanned)
        skipped.extend(source.skipped)
    return ScanReport(tables, skipped=sorted(skipped, key=lambda entry: entry.location))


def scan_table(
    table: Table,
    kind: str,
    detectors: Sequence[Detector],
    options: ScanOptions,
    progress: Progress,
) -> TableScan:
    """Classify one table's columns on its first rows, then count over all of it.

    Names are data too: the table and its columns are known by their public names from here on
    (:mod:`sceau.detect.names`), and a column whose name held an identifier says so.
    """
    started = time.perf_counter()
    name = public_location(table.name)
    expected = table.expected_rows
    if options.max_rows is not None and expected is not None:
        expected = min(expected, options.max_rows)
    progress.phase("scan", expected, about=name)
    held: dict[str, tuple[Category, ...]] = {}
    batches = _capped(public_batches(table.batches(), held), options.max_rows)
    with closing(read_ahead(_frames(batches))) as frames, ThreadPoolExecutor(1) as helper:
        buffered: list[pl.DataFrame] = []
        for frame in frames:
            buffered.append(frame)
            if sum(len(f) for f in buffered) >= options.sample_rows:
                break
        if not buffered:
            scan = TableScan(name, kind, 0, [], seconds=time.perf_counter() - started)
            progress.phase_done()
            return scan
        classes = classify_table(pl.concat(buffered).head(options.sample_rows), detectors)
        for cls in classes:
            _note_name(cls.finding, held.get(cls.finding.name, ()))
        reader = None
        if options.read_along is not None:
            reader = options.read_along(name, [cls.finding for cls in classes])
        counter = _Counter(classes, helper, by_row=reader is not None)
        rows = 0
        for frame in _chain(buffered, frames):
            _read_along(reader, counter.add(frame))
            rows += len(frame)
            progress.rows(len(frame))
        _read_along(reader, counter.finish())
    complete = options.max_rows is None or rows < options.max_rows
    population = counter.population
    scan = TableScan(
        source=name,
        kind=kind,
        rows=rows,
        columns=counter.findings(rows),
        complete=complete,
        seconds=time.perf_counter() - started,
        patients=population.patients,
        patients_basis=population.basis,
        labs=len(population.labs) if population.labs_from else None,
        population=population,
    )
    if reader is not None:
        reader.done(scan)
    progress.phase_done()
    return scan


class _Counter:
    """Sums, batch after batch, what the report states about each classified column.

    The free-text columns are analysed on the ``helper`` thread while the identifier columns
    are counted: the analysis is mostly single-threaded, the counting queries use every core.
    The analysis of a batch may still run while the next batch is counted (one batch behind at
    most); :meth:`finish` waits for the last. ``by_row``: the rows are read along, so each batch
    is handed back once analysed, with its rows' health bits (:class:`RowReader`).
    """

    def __init__(self, classes: list[Classification], helper: Executor, *, by_row: bool) -> None:
        self.classes = classes
        self.helper = helper
        self.by_row = by_row
        self.examples: dict[str, str] = {}
        self.population = Population.of([cls.finding for cls in classes])
        self.texts = [cls.finding.name for cls in classes if cls.is_text]
        self.analysing: deque[tuple[pl.DataFrame, Future[_Analysed] | None]] = deque()
        self.analysed: dict[str, TextAnalysis] = {name: TextAnalysis() for name in self.texts}

    def add(self, frame: pl.DataFrame) -> list[tuple[pl.DataFrame, pl.Series]]:
        """Count one batch; the batches analysed by now, if read along (see ``by_row``)."""
        analysis = None
        if self.texts:
            analysis = self.helper.submit(_analyse, frame.select(self.texts), self.by_row)
        self.analysing.append((frame, analysis))
        counted = [cls for cls in self.classes if cls.detectors]
        queries = [self._query(frame, cls) for cls in counted]
        queries.append(frame.lazy().select(pl.all().is_not_null().sum()))
        population = self.population.queries(frame)
        done = pl.collect_all(queries + population)  # one call: Polars runs them side by side
        *results, non_null_frame = done[: len(queries)]
        self.population.take(done[len(queries) :])
        for cls, result in zip(counted, results, strict=True):
            finding = cls.finding
            finding.matches += int(result["matches"][0] or 0)
            example = result["example"][0]
            if example is not None and finding.name not in self.examples:
                self.examples[finding.name] = example_shape(example)
        non_null = non_null_frame.row(0, named=True)
        for cls in self.classes:
            cls.finding.non_null += non_null[cls.finding.name]
        return self._take(_TEXT_BEHIND if self.texts else 0)

    def finish(self) -> list[tuple[pl.DataFrame, pl.Series]]:
        """Wait for the free text's analyses still running."""
        return self._take(0)

    def _take(self, behind: int) -> list[tuple[pl.DataFrame, pl.Series]]:
        """Sum the analyses of all but the last ``behind`` batches, oldest first."""
        taken = []
        while len(self.analysing) > behind:
            frame, analysis = self.analysing.popleft()
            health = pl.zeros(frame.height, pl.UInt16, eager=True).alias("health")
            if analysis is not None:
                by_column, by_row = analysis.result()
                for name, counted in by_column.items():
                    self.analysed[name] = self.analysed[name] + counted
                health = health if by_row is None else by_row
            taken.append((frame, health))
        return taken if self.by_row else []

    def _query(self, frame: pl.DataFrame, cls: Classification) -> pl.LazyFrame:
        """Matches of the column's detectors, testing each distinct value once where they repeat.

        Grouping saves most of the work on columns that repeat (dates of birth, doctors,
        cities, insurers) and costs more than it saves on columns of unique values (NIRs,
        phones), which the sample tells apart.
        """
        values = frame.lazy().select(pl.col(cls.finding.name).cast(pl.String).alias("v"))
        if cls.distinct_share < _UNIQUE_SHARE:
            values = values.group_by("v").agg(pl.len().alias("n"))
        else:
            values = values.with_columns(n=pl.lit(1, pl.UInt32))
        hit = pl.any_horizontal([d.matches(pl.col("v")) for d in cls.detectors])
        return values.with_columns(hit=hit).select(  # a column, so it is computed once
            pl.col("n").filter("hit").sum().alias("matches"),
            pl.col("v").filter("hit").first().alias("example"),
        )

    def findings(self, rows: int) -> list[ColumnFinding]:
        result = []
        for cls in self.classes:
            finding = cls.finding
            finding.rows = rows
            if cls.is_text:
                analysis = self.analysed[finding.name]
                finding.health_categories = analysis.health
                finding.health_set_aside = analysis.set_aside
                finding.embedded = analysis.embedded
                finding.matches += analysis.cells_with_health
                has_health = any(finding.health_categories.values())
                finding.category = Category.HEALTH_TEXT if has_health else Category.FREE_TEXT
                finding.example = FREE_TEXT_EXAMPLE
            elif finding.category in _WITHHELD:
                finding.example = ""
            else:
                finding.example = self.examples.get(finding.name, "")
            result.append(finding)
        return result


_Analysed = tuple[dict[str, TextAnalysis], pl.Series | None]


def _analyse(texts: pl.DataFrame, by_row: bool) -> _Analysed:
    """The free text's analysis, and each row's health bits when the rows are read along."""
    if by_row:
        return analyse_rows(texts)
    return analyse_columns(texts), None


def _read_along(reader: RowReader | None, batches: list[tuple[pl.DataFrame, pl.Series]]) -> None:
    if reader is not None:
        for frame, health in batches:
            reader.read(frame, health)


def _note_name(finding: ColumnFinding, held: tuple[Category, ...]) -> None:
    """Say, in the column's evidence, that its name held an identifier and is shown as a shape."""
    if held:
        finding.name_held = held
        what = ", ".join(category.value for category in held)
        finding.evidence.insert(
            0, Evidence("name", f"the column's name held {what}: it is shown by its shape", 0.0)
        )


def _frames(batches: Iterator[pa.RecordBatch]) -> Iterator[pl.DataFrame]:
    """The reader's batches as data frames of COUNT_ROWS rows (the last one excepted)."""
    for batch in batched(batches, COUNT_ROWS):
        yield frame_of(batch)


def _capped(batches: Iterator[pa.RecordBatch], limit: int | None) -> Iterator[pa.RecordBatch]:
    if limit is None:
        yield from batches
        return
    left = limit
    for batch in batches:
        if left <= 0:
            return
        yield batch.slice(0, left)
        left -= batch.num_rows


def _chain(first: list[T], rest: Iterator[T]) -> Iterator[T]:
    yield from first
    first.clear()  # let the sample's memory go as soon as it is counted
    yield from rest
