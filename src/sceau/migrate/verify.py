"""Order-independent digests of rows, and the check that the target holds what was staged.

A row is written as one canonical string: each cell as its length in UTF-8 bytes, a colon and
its text (null as ``-1:``), the cells joined by colons — so ("ab", "c") and ("a", "bc") differ,
and so do null and "". The row's hash is the first 16 bytes of SHA-256 over that string, read
as a big-endian number: SHA-256 is everywhere, so anyone can recompute a digest from the rows.

The table's digest is the row count with the sum of the row hashes modulo 2**128: the same
rows in any order, in any batching, give the same digest; one row missing, added twice or
changed gives another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from sceau.sources.frames import frame_of

_MODULUS = 1 << 128


@dataclass(frozen=True)
class Digest:
    rows: int = 0
    total: int = 0

    def __add__(self, other: Digest) -> Digest:
        return Digest(self.rows + other.rows, (self.total + other.total) % _MODULUS)

    @property
    def hex(self) -> str:
        return f"{self.total:032x}"

    def __str__(self) -> str:
        return f"{self.rows} rows, digest {self.hex}"

    @classmethod
    def parse(cls, rows: int, hex_total: str) -> Digest:
        return cls(rows, int(hex_total, 16))


def digest_batch(batch: pa.RecordBatch) -> Digest:
    """The digest of one batch's rows (all columns are strings).

    Each row is first written as one string, vectorised: every cell as ``<bytes>:<text>``, or
    ``-1:`` for null, joined by colons. Only the hashing itself loops, in C, row by row.
    """
    if batch.num_rows == 0:
        return Digest()
    frame = frame_of(batch)
    cells: list[pl.Expr] = []
    for name in frame.columns:
        cells += [pl.col(name).str.len_bytes().fill_null(-1), pl.col(name).fill_null("")]
    row = pl.concat_str(cells, separator=":").alias("row")
    rows = frame.lazy().select(row).collect()["row"].to_list()
    sha256 = hashlib.sha256
    total = sum(int.from_bytes(sha256(row.encode("utf-8")).digest()[:16], "big") for row in rows)
    return Digest(batch.num_rows, total % _MODULUS)


def digest_batches(batches: Iterable[pa.RecordBatch]) -> Digest:
    total = Digest()
    for batch in batches:
        total = total + digest_batch(batch)
    return total
