"""The attribution rule measured, not assumed: 1,000 leaks of people no reading ever held name no
reading (the false-attribution rate docs/trace.md reports), and an honest leak of 50 rows is named
whatever was done to it on the way. The exports are the foreign evaluation set's."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from itertools import cycle
from pathlib import Path

import polars as pl
import pytest
from tests.foreign.generator import generate
from tests.trace.leaks import (
    KEPT_COLUMNS,
    PHONES,
    REFORMATTED,
    WRITTEN,
    columns_kept,
    rows_kept,
)

from sceau.detect.scan import ScanOptions, scan
from sceau.sources.base import open_source
from sceau.sources.frames import frame_of
from sceau.store import open_store
from sceau.trace.fingerprint import fingerprints
from sceau.trace.identity import IdentityColumns, identity_keys
from sceau.trace.index import TraceIndex
from sceau.trace.leak import trace_leak
from sceau.trace.match import TableTrace, explain
from sceau.trace.record import Fingerprinting

RECORDED = 1_000  # patients per export of each recorded lab
NEVER = 2_000  # patients per export of each lab never read
LEAKS = 1_000
NEVER_SEEDS = (3031, 3032, 3033)
SIZES = (5, 5, 10, 20, 40)  # rows per leak, in turn
EXPORTS = ("axilab_export_patients.csv", "kalisto_requete.csv", "medilis_patients.csv")


class Kept:
    def record(self, event: object) -> None:
        del event


def read_table(path: Path) -> pl.DataFrame:
    (table,) = list(open_source(str(path)).tables())
    return pl.concat([frame_of(batch) for batch in table.batches()])


def leak_path(root: Path, *words: str) -> Path:
    """A file name for one leak (its suffix is the writer's)."""
    folder = root / "leaks"
    folder.mkdir(exist_ok=True)
    return folder / "-".join("".join(c if c.isalnum() else "_" for c in w) for w in words)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Two labs' three exports each recorded as runs; two other labs never read."""
    root = tmp_path_factory.mktemp("rate")
    index = TraceIndex(open_store(f"sqlite:///{root / 'store.db'}"), root / "index")
    secret = os.urandom(32)
    recorded: dict[str, int] = {}
    for seed in (2021, 2022):
        generate(root / f"lab-{seed}", patients=RECORDED, seed=seed)
        for export in EXPORTS:
            recorder = Fingerprinting(
                index=index,
                events=Kept(),
                secret=secret,
                kind="run",
                ref=f"run-{seed}-{export}",
                by="op.durand",
                clock=lambda: datetime.now(UTC),
            )
            scan([str(root / f"lab-{seed}" / export)], options=ScanOptions(read_along=recorder))
            (recorded[f"{seed}/{export}"],) = [r.record_id for r in recorder.records]
    for seed in NEVER_SEEDS:
        generate(root / f"never-{seed}", patients=NEVER, seed=seed)
    return root, index, secret, recorded


def test_a_thousand_leaks_of_people_never_read_name_no_reading(world):
    root, index, secret, _ = world
    records = index.records()
    leaks = traced_tables = 0
    candidates = 0
    sizes = cycle(SIZES)
    for seed in NEVER_SEEDS:
        for export in EXPORTS:
            path = root / f"never-{seed}" / export
            (table,) = scan([str(path)]).tables
            columns = IdentityColumns.of(table.columns)
            frame = read_table(path)
            found = index.lookup(fingerprints(identity_keys(frame, columns), secret))
            start = 0
            while start < frame.height:
                size = next(sizes)
                rows = min(size, frame.height - start)
                traced = TableTrace(f"{export}[{start}:{start + rows}]", rows, columns.kinds)
                inside = found.filter(pl.col("row").is_between(start, start + rows - 1))
                explain(traced, inside.with_columns(pl.col("row") - start), records)
                assert traced.sources == [], traced.table
                candidates += traced.candidates
                leaks += 1
                traced_tables += bool(columns.kinds)
                start += rows
    assert leaks >= LEAKS
    assert traced_tables == leaks  # every leak held identifiers to match on
    print(f"{leaks} leaks of people never read: 0 named; {candidates} candidate records")


@pytest.mark.parametrize("form", list(WRITTEN))
@pytest.mark.parametrize("change", list(REFORMATTED))
def test_an_honest_leak_of_50_rows_is_named_whatever_was_done_to_it(world, change, form):
    root, index, secret, recorded = world
    original = read_table(root / "lab-2021" / EXPORTS[0])
    leak = REFORMATTED[change](rows_kept(original, 50, seed=len(change) + len(form)))
    path = WRITTEN[form](leak, leak_path(root, change, form))
    report = trace_leak([str(path)], index, secret).to_dict()
    (table,) = report["tables"]
    assert [s["record"] for s in table["sources"]] == [recorded[f"2021/{EXPORTS[0]}"]]
    assert table["matched_rows"] == 50


@pytest.mark.parametrize("kept", [k for k in KEPT_COLUMNS if k != "all"])
def test_an_honest_leak_of_50_rows_keeping_one_kind_of_identifier_is_named(world, kept):
    root, index, secret, recorded = world
    original = read_table(root / "lab-2021" / EXPORTS[0])
    leak = columns_kept(rows_kept(original, 50, seed=5), kept)
    path = WRITTEN["UTF-8 ;"](leak, leak_path(root, "kept", kept))
    (table,) = trace_leak([str(path)], index, secret).to_dict()["tables"]
    assert [s["record"] for s in table["sources"]] == [recorded[f"2021/{EXPORTS[0]}"]]
    assert table["matched_rows"] == leak.height - unmatchable(leak)


def unmatchable(leak: pl.DataFrame) -> int:
    """Rows that keep no identifier strong enough to match: an e-mail without any phone, or
    the reverse (the export left the other blank)."""
    if "MAIL" not in leak.columns:
        return 0
    phone = pl.any_horizontal(pl.col(c).str.count_matches(r"[0-9]") >= 8 for c in PHONES)
    strong = pl.col("MAIL").str.contains("@").fill_null(False) & phone.fill_null(False)
    return leak.filter(~strong).height
