"""A reader of the rows gets every row once, in order, with the health bits the scan's own
analysis of the free text found: the same as analysing each comment column again."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
from polars.testing import assert_frame_equal
from tests.foreign.generator import generate
from tests.trace.test_trace_leak import read_table

from sceau.detect import scan as scan_module
from sceau.detect.base import Category, ColumnFinding
from sceau.detect.freetext import health_mask
from sceau.detect.report import TableScan
from sceau.detect.scan import ScanOptions, scan

EXPORT = "axilab_export_patients.csv"


@dataclass
class Kept:
    """Keeps what it is handed."""

    texts: list[str] = field(default_factory=list)
    frames: list[pl.DataFrame] = field(default_factory=list)
    health: list[pl.Series] = field(default_factory=list)
    rows: int = -1

    def __call__(self, table: str, findings: list[ColumnFinding]) -> Kept:
        del table
        self.texts = [f.name for f in findings if f.category is Category.FREE_TEXT]
        return self

    def read(self, frame: pl.DataFrame, health: pl.Series) -> None:
        self.frames.append(frame)
        self.health.append(health)

    def done(self, table: TableScan) -> None:
        self.rows = table.rows


def test_a_reader_gets_every_row_with_its_health_bits(tmp_path, monkeypatch):
    monkeypatch.setattr(scan_module, "COUNT_ROWS", 128)  # several batches, analysed one behind
    generate(tmp_path, patients=600, seed=2024)
    path = tmp_path / EXPORT
    kept = Kept()
    scan([str(path)], options=ScanOptions(sample_rows=100, read_along=kept))
    read = pl.concat(kept.frames)
    health = pl.concat(kept.health)
    frame = read_table(path)
    assert len(kept.frames) > 2
    assert_frame_equal(read, frame)
    assert kept.rows == read.height == frame.height == health.len()
    assert kept.texts  # the comments
    expected = pl.zeros(frame.height, pl.UInt16, eager=True)
    for name in kept.texts:
        expected = expected | health_mask(frame[name])
    assert health.to_list() == expected.to_list()
    assert any(health.to_list())
