"""Order-independent digests of rows, and the check that the target holds what was staged.

A row's hash is BLAKE2b-128 over its cells, each preceded by its length in bytes (null by -1),
so ("ab", "c") and ("a", "bc") differ, and so do null and "". The table's digest is the
row count with the sum of the row hashes modulo 2**128: the same rows in any order, in any
batching, give the same digest; one row missing, added twice or changed gives another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl
import pyarrow as pa

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
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    cells: list[pl.Expr] = []
    for name in frame.columns:
        cells += [pl.col(name).str.len_bytes().fill_null(-1), pl.col(name).fill_null("")]
    row = pl.concat_str(cells, separator=":").alias("row")
    rows = frame.lazy().select(row).collect()["row"].to_list()
    blake = hashlib.blake2b
    total = sum(
        int.from_bytes(blake(row.encode("utf-8"), digest_size=16).digest(), "big") for row in rows
    )
    return Digest(batch.num_rows, total % _MODULUS)


def digest_batches(batches: Iterable[pa.RecordBatch]) -> Digest:
    total = Digest()
    for batch in batches:
        total = total + digest_batch(batch)
    return total
