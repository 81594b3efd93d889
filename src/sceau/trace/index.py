"""The fingerprint index: which recorded scans and runs held which people.

Every scan of a source and every run records, as it reads the rows, the keyed fingerprints of
each row's identifiers (:mod:`sceau.trace.fingerprint`) under one *record*: a row in the store's
``trace_records`` (what was read, where, for whom) and the record's fingerprints on disk. Asking
"who holds these people?" is then a sorted search, not a pass over every record:

- each record's fingerprints are a *segment*: two arrays sorted by fingerprint, the fingerprints
  (8 bytes each) and their record number (4 bytes), in one NumPy file;
- :meth:`TraceIndex.compact` merges the segments into one; a lookup maps each segment into
  memory and searches it for every key at once, block by block (:func:`_search`): it reads only
  the blocks that may hold a key, never a whole 6 GB segment for a 50-row file.

A row with every kind of identifier takes 4 x 12 = 48 bytes; a person read twice in one record is
kept once. The files hold fingerprints only: nothing in them can be turned back into a value
without the trace key, which the key provider holds. Files are 0600 in a 0700 folder, written
whole or not at all; a compaction that stops half-way leaves every fingerprint findable.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from sqlalchemy import Engine, delete, insert, select

from sceau.files import write_atomic
from sceau.store.schema import trace_records
from sceau.trace.fingerprint import FINGERPRINT
from sceau.trace.identity import kind_of

BLOCK = 1 << 16  # fingerprints: a lookup reads a segment in blocks of 512 KiB
BYTES_PER_FINGERPRINT = 12  # 8 for the fingerprint, 4 for the record's number
MAX_SEGMENTS = 64  # more, and the next reading merges them: a lookup searches a few arrays
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # a zip member's header: its name and extra follow
_SEGMENT = re.compile(r"(?P<kind>record|merged)-(?P<number>[0-9]{1,10})\.npz\Z")


@dataclass(frozen=True)
class Record:
    """One reading of rows the index remembers: a scan, a run or an export."""

    record_id: int
    kind: str  # "scan", "run", "export"
    ref: str  # the scan's number, the run's id
    source: str  # where the rows were read, without password
    rows: int
    fingerprints: int
    recorded_at: datetime
    recorded_by: str
    finess: str | None = None  # the lab whose data it was, when known
    mandate_sha256: str | None = None
    recipient: str | None = None  # an export's named recipient


@dataclass(frozen=True)
class Reading:
    """What :meth:`TraceIndex.add` records: everything but its number and fingerprint count."""

    kind: str
    ref: str
    source: str
    rows: int
    recorded_at: datetime
    recorded_by: str
    finess: str | None = None
    mandate_sha256: str | None = None
    recipient: str | None = None


class TraceIndex:
    """The records in the store, their fingerprints in ``folder``."""

    def __init__(self, engine: Engine, folder: Path) -> None:
        self.engine = engine
        self.folder = folder

    def add(self, reading: Reading, prints: pl.DataFrame) -> Record:
        """Record ``reading`` with the fingerprints of its rows (``prints``: one UInt64 column
        per kind, nulls where a row had none); returns the record."""
        distinct = _distinct(prints)
        with self.engine.begin() as connection:
            record_id = int(
                connection.execute(
                    insert(trace_records).values(fingerprints=len(distinct), **reading.__dict__)
                ).inserted_primary_key[0]  # type: ignore[index]
            )
        try:
            numbers = np.full(len(distinct), record_id, dtype=np.uint32)
            self._write(f"record-{record_id}.npz", distinct, numbers)
        except BaseException:  # a record is in the store only with its fingerprints
            with self.engine.begin() as connection:
                connection.execute(
                    delete(trace_records).where(trace_records.c.record_id == record_id)
                )
            raise
        if len(self._segments()) > MAX_SEGMENTS:
            self.compact()
        return Record(record_id=record_id, fingerprints=len(distinct), **reading.__dict__)

    def records(self) -> dict[int, Record]:
        """Every record, by number."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(trace_records)).all()
        return {row.record_id: Record(**row._mapping) for row in rows}

    def holds(self, kind: str, ref: str) -> bool:
        """Whether a reading of this kind and reference (a run's id) is recorded already."""
        wanted = (trace_records.c.kind == kind) & (trace_records.c.ref == ref)
        with self.engine.connect() as connection:
            found = connection.execute(select(trace_records.c.record_id).where(wanted)).first()
        return found is not None

    def lookup(self, prints: pl.DataFrame) -> pl.DataFrame:
        """Which records hold each row of ``prints``: one line per (row, record, kind) found,
        ``row`` being the row's position in ``prints`` (a kind's several keys count once).
        Every kind's fingerprints are searched together, in one pass over each segment."""
        rows = np.arange(prints.height, dtype=np.uint32)
        keys = pl.concat(
            [
                pl.DataFrame({"row": rows, "fp": prints[name].cast(FINGERPRINT)}).with_columns(
                    kind=pl.lit(kind_of(name).value)
                )
                for name in prints.columns
            ]
            or [pl.DataFrame(schema={"row": pl.UInt32, "fp": FINGERPRINT, "kind": pl.String})]
        ).drop_nulls("fp")
        hits = self._holders(keys["fp"].unique().sort().to_numpy())  # 30x numpy.unique here
        found = keys.join(hits, on="fp").select("row", "record", "kind")
        return found.unique().sort("row", "record", "kind")

    def compact(self) -> None:
        """Merge every segment into one, so a lookup searches one sorted array."""
        segments = self._segments()
        if len(segments) < 2:
            return
        loaded = [_load(path) for path in segments]
        fps = np.concatenate([fp for fp, _ in loaded])
        numbers = np.concatenate([n for _, n in loaded])
        order = np.argsort(fps, kind="stable")
        newest = max(_number(path) for path in segments)
        self._write(f"merged-{newest}.npz", fps[order], numbers[order])
        for path in segments:  # only once the merged segment holds every fingerprint
            path.unlink(missing_ok=True)

    def bytes_on_disk(self) -> int:
        """What the fingerprints take on disk (for the benchmark's bytes per row)."""
        return sum(path.stat().st_size for path in self._segments())

    # --- segments ---------------------------------------------------------------------------

    def _holders(self, wanted: npt.NDArray[np.uint64]) -> pl.DataFrame:
        """Every (fingerprint, record) among the segments whose fingerprint is in ``wanted``
        (sorted, distinct)."""
        parts = []
        for path in self._segments():
            fps, numbers = _load(path)
            start = _search(fps, wanted, "left")
            present = start < len(fps)
            present[present] = fps[start[present]] == wanted[present]
            if not present.any():
                continue
            starts = start[present]  # the right ends only for the keys found: few, in a leak
            spans = _search(fps, wanted[present], "right") - starts
            positions = np.repeat(starts, spans) + _ramps(spans)
            parts.append(
                pl.DataFrame(
                    {
                        "fp": pl.Series(fps[positions], dtype=FINGERPRINT),
                        "record": pl.Series(numbers[positions], dtype=pl.UInt32),
                    }
                )
            )
        if not parts:
            return pl.DataFrame(schema={"fp": FINGERPRINT, "record": pl.UInt32})
        return pl.concat(parts)

    def _segments(self) -> list[Path]:
        """The segments a lookup reads: the newest merged one, and the records after it.
        A record or an older merged segment that a finished compaction covers is ignored."""
        if not self.folder.is_dir():
            return []
        named = [(m, p) for p in self.folder.iterdir() if (m := _SEGMENT.match(p.name))]
        merged = [int(m["number"]) for m, _ in named if m["kind"] == "merged"]
        covered = max(merged, default=0)
        chosen = [
            p
            for m, p in named
            if (m["kind"] == "merged" and int(m["number"]) == covered)
            or (m["kind"] == "record" and int(m["number"]) > covered)
        ]
        return sorted(chosen, key=_number)

    def _write(
        self, name: str, fps: npt.NDArray[np.uint64], numbers: npt.NDArray[np.uint32]
    ) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, fps=fps, records=numbers)
        write_atomic(self.folder / name, buffer.getvalue())


def _distinct(prints: pl.DataFrame) -> npt.NDArray[np.uint64]:
    """Every fingerprint of every kind in ``prints``, sorted, each once."""
    columns = [prints[c].drop_nulls().cast(FINGERPRINT) for c in prints.columns]
    if not columns:
        return np.empty(0, dtype=np.uint64)
    # a hash-based distinct, then one sort: NumPy's unique sorts everything first (40x slower)
    return pl.concat(columns).unique().sort().to_numpy().astype(np.uint64, copy=False)


def _load(path: Path) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]:
    """The segment's two arrays, memory-mapped: a lookup reads the pages its binary search
    touches (a few per key), not the whole segment, which for 500 million fingerprints is 6 GB."""
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        fps = _mapped(path, handle, archive.getinfo("fps.npy"))
        numbers = _mapped(path, handle, archive.getinfo("records.npy"))
    return fps.astype(np.uint64, copy=False), numbers.astype(np.uint32, copy=False)


def _mapped(path: Path, handle: BinaryIO, member: zipfile.ZipInfo) -> npt.NDArray[Any]:
    """One array of the segment's .npz, mapped where it lies in the file (the .npz is stored
    uncompressed: its members are plain .npy files one after the other)."""
    handle.seek(member.header_offset)
    local = _LOCAL_HEADER.unpack(handle.read(_LOCAL_HEADER.size))
    handle.seek(member.header_offset + _LOCAL_HEADER.size + local[-2] + local[-1])
    version = np.lib.format.read_magic(handle)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
    if member.compress_type != zipfile.ZIP_STORED or fortran or len(shape) != 1:
        raise ValueError("a trace segment holds two flat, uncompressed arrays")
    if not shape[0]:
        return np.empty(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r", offset=handle.tell(), shape=shape)


def _search(
    fps: npt.NDArray[np.uint64], wanted: npt.NDArray[np.uint64], side: Literal["left", "right"]
) -> npt.NDArray[np.intp]:
    """``numpy.searchsorted(fps, wanted, side)`` for sorted ``wanted``, block by block: the
    first fingerprint of every block says which block holds each key, then each block holding
    some is read once, in order, and searched in memory. On a mapped segment of 500 million
    fingerprints this is ten times faster than searching the mapping key by key, whose probes
    land on pages all over the file."""
    fence = np.asarray(fps[::BLOCK])
    block = np.searchsorted(fence, wanted, side=side) - 1  # the answer lies in this block
    found = np.zeros(len(wanted), dtype=np.intp)  # block -1: before the first fingerprint
    edges = np.flatnonzero(np.diff(block, prepend=-2, append=-2))
    for lo, hi in pairwise(edges):
        number = int(block[lo])
        if number >= 0:
            chunk = np.asarray(fps[number * BLOCK : (number + 1) * BLOCK])
            found[lo:hi] = number * BLOCK + np.searchsorted(chunk, wanted[lo:hi], side=side)
    return found


def _number(path: Path) -> int:
    matched = _SEGMENT.match(path.name)
    return int(matched["number"]) if matched else 0


def _ramps(spans: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """0, 1, ..., n-1 for each n of ``spans``, end to end (the offsets inside each match)."""
    total = int(spans.sum())
    starts = np.repeat(np.cumsum(spans) - spans, spans)
    return np.arange(total) - starts
