"""The robustness table of `sceau trace`: the share of a leak's rows matched to the reading it
came from, and whether that reading is named, as the leak loses rows, loses columns, or goes
through one transformation. The exports are the foreign evaluation set's (written apart from
sceau); two labs are recorded, one leaks. Nothing is asserted; results go to docs/benchmarks.md.

    python bench/trace_robustness.py                  # 5,000 patients per export
    python bench/trace_robustness.py --patients 1000  # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).parent))
from tests.foreign.generator import generate
from tests.trace.leaks import KEPT_COLUMNS, REFORMATTED, WRITTEN, columns_kept, rows_kept

from scan import machine, table
from sceau.detect.scan import ScanOptions, scan
from sceau.sources.base import open_source
from sceau.sources.frames import frame_of
from sceau.store import open_store
from sceau.trace.index import TraceIndex
from sceau.trace.leak import trace_leak
from sceau.trace.record import Fingerprinting

EXPORT = "axilab_export_patients.csv"
SHARES: tuple[float | int, ...] = (1.0, 0.5, 0.1, 50)


class Kept:
    def record(self, event: object) -> None:
        del event


def read_table(path: Path) -> pl.DataFrame:
    (source,) = list(open_source(str(path)).tables())
    return pl.concat([frame_of(batch) for batch in source.batches()])


def record(index: TraceIndex, secret: bytes, path: Path, ref: str) -> int:
    recorder = Fingerprinting(
        index=index,
        events=Kept(),
        secret=secret,
        kind="run",
        ref=ref,
        by="op.bench",
        clock=lambda: datetime.now(UTC),
    )
    scan([str(path)], options=ScanOptions(read_along=recorder))
    (only,) = recorder.records
    return only.record_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=5_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="trace-robustness-"))
    index = TraceIndex(open_store(f"sqlite:///{root / 'store.db'}"), root / "index")
    secret = os.urandom(32)
    for seed in (2021, 2022):
        generate(root / f"lab-{seed}", patients=args.patients, seed=seed)
    source = record(index, secret, root / "lab-2021" / EXPORT, "run-2021")
    record(index, secret, root / "lab-2022" / EXPORT, "run-2022")
    original = read_table(root / "lab-2021" / EXPORT)

    def traced(name: str, leak: pl.DataFrame, write: Callable[[pl.DataFrame, Path], Path]) -> Any:
        path = write(leak, root / "leaks" / "".join(c if c.isalnum() else "_" for c in name))
        (found,) = trace_leak([str(path)], index, secret).to_dict()["tables"]
        named = [s["record"] for s in found["sources"]]
        return {
            "leak": name,
            "rows": found["rows"],
            "matched": found["matched_rows"],
            "rate": round(found["matched_rows"] / found["rows"], 4),
            "named": "yes" if named == [source] else f"no ({named})",
        }

    (root / "leaks").mkdir()
    plain = WRITTEN["UTF-8 ;"]
    results = [
        traced(f"rows kept: {_share(share)}", rows_kept(original, share, seed=1), plain)
        for share in SHARES
    ]
    results += [
        traced(f"columns kept: {kept}", columns_kept(original, kept), plain)
        for kept in KEPT_COLUMNS
        if kept != "all"
    ]
    results += [
        traced(f"transformed: {change}", REFORMATTED[change](original), plain)
        for change in REFORMATTED
        if change != "none"
    ]
    results += [
        traced(f"written as: {form}", original, WRITTEN[form])
        for form in WRITTEN
        if form != "UTF-8 ;"
    ]
    print(f"records in the index: 2 ({args.patients:,} patients each); the leak's is {source}")
    print(
        table(
            ["leak", "rows", "matched", "rate", "named"],
            [(r["leak"], r["rows"], r["matched"], r["rate"], r["named"]) for r in results],
        )
    )
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))


def _share(share: float | int) -> str:
    return f"{share} rows" if isinstance(share, int) else f"{share:.0%}"


if __name__ == "__main__":
    main()
