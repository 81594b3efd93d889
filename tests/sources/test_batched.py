"""Readers' blocks regrouped into batches of exactly the size a migration checkpoints."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from sceau.sources.base import batched


@given(st.lists(st.integers(min_value=0, max_value=40), max_size=20), st.integers(1, 50))
def test_every_row_once_in_order_in_batches_of_exactly_rows(sizes, rows):
    blocks, start = [], 0
    for size in sizes:
        blocks.append(pa.record_batch({"n": pa.array(range(start, start + size), pa.int64())}))
        start += size
    out = list(batched(iter(blocks), rows))
    values = [v for batch in out for v in batch.column(0).to_pylist()]
    assert values == list(range(start))
    assert all(batch.num_rows == rows for batch in out[:-1])
    assert all(0 < batch.num_rows <= rows for batch in out)
