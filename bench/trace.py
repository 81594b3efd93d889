"""`sceau trace` on a 491,840-row leak against an index of 1,000 recorded runs, side by side with
reading the same file (the floor).

One process. The index holds one real recorded run (the leaked file's own scan, recorded as a
run records it) and 999 others whose fingerprints are written straight into one merged segment:
random 64-bit values, as keyed fingerprints are, about 500 million in all. Then, repeated:

- the floor: a bare polars read of the file, and ``scan`` of it with no tracing (the same reader
  ``sceau trace`` uses, with its column classification);
- ``trace_leak`` of the file against the index: scan, identity keys, fingerprints, lookup, the
  records named.

It prints the ratio to each floor (goal: within 2x the scan), the index's bytes per row, and
where the trace's own time goes. Nothing is asserted; results go to docs/benchmarks.md.

    python bench/trace.py                               # full size
    python bench/trace.py --fingerprints 50000000       # a smaller index
    python bench/trace.py --json bench/data/trace.json  # keep the figures
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).parent))
from scan import DATA, DELIMITER, LAB, PATIENTS, SEED, TABLE, ensure_data, machine, table
from sceau.detect.scan import ScanOptions, scan
from sceau.store import open_store
from sceau.store.schema import trace_records
from sceau.trace.fingerprint import fingerprints
from sceau.trace.identity import IdentityColumns, identity_keys
from sceau.trace.index import TraceIndex
from sceau.trace.leak import trace_leak
from sceau.trace.record import Fingerprinting

RUNS = 1_000
FINGERPRINTS = 500_000_000
GOAL = 2.0  # the trace within 2x the scan of the same file
BUCKET_BITS = 10  # the merged segment is written in 1,024 sorted slices of the 64-bit space
AT = datetime(2026, 12, 8, tzinfo=UTC)
SECRET = os.urandom(32)  # a trace key drawn for this run only


class Kept:
    """An event sink that keeps nothing: the bench records no audit trail."""

    def record(self, event: object) -> None:
        del event


# --- the index --------------------------------------------------------------------------------


def build_index(folder: Path, leak: Path, runs: int, total: int, seed: int) -> TraceIndex:
    """The 999 other runs written straight into one merged segment, then the leak's own run
    recorded as a scan records it (its own segment, searched beside the merged one)."""
    index = TraceIndex(open_store(f"sqlite:///{folder / 'store.db'}"), folder / "segments")
    others = runs - 1
    per_run = total // others
    with index.engine.begin() as connection:
        connection.execute(
            insert(trace_records),
            [
                {
                    "kind": "run",
                    "ref": f"run-{n}",
                    "source": f"lis-{n % 28}.patients",
                    "rows": per_run // 4,
                    "fingerprints": per_run,
                    "recorded_at": AT,
                    "recorded_by": "op.bench",
                }
                for n in range(1, others + 1)
            ],
        )
    started = time.perf_counter()
    index.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_merged(index.folder / f"merged-{others}.npz", others, per_run * others, seed)
    print(
        f"index: {per_run * others:,} fingerprints written in {time.perf_counter() - started:.0f} s"
    )
    recorder = Fingerprinting(
        index=index,
        events=Kept(),
        secret=SECRET,
        kind="run",
        ref="run-leaked",
        by="op.bench",
        clock=lambda: AT,
    )
    scan([str(leak)], options=ScanOptions(read_along=recorder))
    print(f"index: the leaked run recorded as record {recorder.records[0].record_id}")
    return index


def _write_merged(path: Path, records: int, total: int, seed: int) -> None:
    """A merged segment of ``total`` random fingerprints held by records 1..``records``, in the
    index's own file format (``fps`` and ``records`` in an uncompressed .npz), streamed slice by
    slice so that it never sits whole in memory."""
    rng = np.random.default_rng(seed)
    buckets = 1 << BUCKET_BITS
    counts = rng.multinomial(total, np.full(buckets, 1 / buckets))

    def fps() -> Iterator[np.ndarray]:
        shift = np.uint64(64 - BUCKET_BITS)
        for bucket, count in enumerate(counts):
            low = rng.integers(0, 1 << (64 - BUCKET_BITS), int(count), dtype=np.uint64)
            low.sort()
            yield low | (np.uint64(bucket) << shift)

    def numbers() -> Iterator[np.ndarray]:
        for count in counts:
            yield rng.integers(1, records + 1, int(count), dtype=np.uint32)

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        _write_member(archive, "fps.npy", np.dtype(np.uint64), total, fps())
        _write_member(archive, "records.npy", np.dtype(np.uint32), total, numbers())
    path.chmod(0o600)


def _write_member(
    archive: zipfile.ZipFile, name: str, dtype: np.dtype, length: int, parts: Iterator[np.ndarray]
) -> None:
    header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False}
    header["shape"] = (length,)
    with archive.open(name, "w", force_zip64=True) as member:
        np.lib.format.write_array_header_2_0(member, header)
        for part in parts:
            member.write(part.tobytes())


# --- timings ----------------------------------------------------------------------------------


def best_of(repeat: int, run: Callable[[], object]) -> list[float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        runs.append(time.perf_counter() - started)
    return runs


def bare_read(path: Path) -> pl.DataFrame:
    """What polars alone does with the file: every column as text."""
    return pl.read_csv(
        path, separator=DELIMITER, encoding="windows-1252", infer_schema=False, quote_char='"'
    )


def stages(path: Path, index: TraceIndex) -> dict[str, float]:
    """The trace's own stages on the whole file, one after the other (after the read)."""
    findings = scan([str(path)]).tables[0].columns
    columns = IdentityColumns.of(findings)
    frame = bare_read(path)
    times: dict[str, float] = {}
    started = time.perf_counter()
    keys = identity_keys(frame, columns)
    times["identity keys"] = time.perf_counter() - started
    started = time.perf_counter()
    prints = fingerprints(keys, SECRET)
    times["fingerprints"] = time.perf_counter() - started
    started = time.perf_counter()
    found = index.lookup(prints)
    times["lookup"] = time.perf_counter() - started
    times["keys per row"] = keys.width
    times["hits"] = found.height
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=PATIENTS)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--fingerprints", type=int, default=FINGERPRINTS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    out = DATA if args.patients == PATIENTS else DATA / f"{LAB}-{args.patients}"
    leak = ensure_data(out, args.patients, SEED) / TABLE
    folder = out / f"trace-{args.runs}-{args.fingerprints}"
    if folder.exists():
        shutil.rmtree(folder)  # the trace key is drawn anew each run
    folder.mkdir(parents=True)
    index = build_index(folder, leak, args.runs, args.fingerprints, SEED)
    rows = bare_read(leak).height
    leaked = max(index.records())

    print("timing ...", flush=True)
    floor = best_of(args.repeat, lambda: bare_read(leak))
    scanned = best_of(args.repeat, lambda: scan([str(leak)]))
    reports: list[Any] = []
    traced = best_of(args.repeat, lambda: reports.append(trace_leak([str(leak)], index, SECRET)))
    report = reports[-1].to_dict()
    (only,) = report["tables"]
    split = stages(leak, index)

    record = index.records()[leaked]
    segment_bytes = sum(
        p.stat().st_size for p in index.folder.iterdir() if p.name == f"record-{leaked}.npz"
    )
    figures = {
        "machine": machine(),
        "rows": rows,
        "records_in_index": len(index.records()),
        "fingerprints_in_index": sum(r.fingerprints for r in index.records().values()),
        "index_bytes": index.bytes_on_disk(),
        "leaked_run": {
            "fingerprints": record.fingerprints,
            "bytes": segment_bytes,
            "bytes_per_row": round(segment_bytes / rows, 1),
        },
        "floor_polars_s": [round(t, 3) for t in floor],
        "scan_s": [round(t, 3) for t in scanned],
        "trace_s": [round(t, 3) for t in traced],
        "ratio_to_scan": round(min(traced) / min(scanned), 2),
        "ratio_to_polars": round(min(traced) / min(floor), 2),
        "named": [s["record"] for s in only["sources"]],
        "matched_rows": only["matched_rows"],
        "stages_s": {k: round(v, 3) for k, v in split.items()},
    }
    print()
    print(
        table(
            ["reading", "best s", "rows/s", "x polars", "x scan"],
            [
                (name, min(t), round(rows / min(t)), min(t) / min(floor), min(t) / min(scanned))
                for name, t in (("polars read", floor), ("scan", scanned), ("trace", traced))
            ],
        )
    )
    print()
    print(f"goal: trace within {GOAL}x the scan: {figures['ratio_to_scan']}x", end=" ")
    print("(met)" if figures["ratio_to_scan"] <= GOAL else "(NOT met)")
    print(f"named: {figures['named']} (the leaked run: {leaked}), rows {only['matched_rows']:,}")
    print(f"index: {figures['fingerprints_in_index']:,} fingerprints, {figures['index_bytes']:,} B")
    print(
        f"the leaked run's segment: {record.fingerprints:,} fingerprints, "
        f"{segment_bytes:,} bytes, {segment_bytes / rows:.1f} bytes per row"
    )
    print("trace stages after the read:", json.dumps(figures["stages_s"]))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
