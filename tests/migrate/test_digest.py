"""The verifier's digest: order-independent, and sensitive to every cell."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from sceau.migrate.verify import digest_batch, digest_batches

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
COLUMNS = ("a", "b:c", "é")
text = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
cells = st.one_of(st.none(), st.text(alphabet=text))
rows = st.lists(st.tuples(cells, cells, cells), max_size=12)


def _batch(values: list[tuple]) -> pa.RecordBatch:
    schema = pa.schema([(name, pa.string()) for name in COLUMNS])
    return pa.RecordBatch.from_pylist(
        [dict(zip(COLUMNS, row, strict=True)) for row in values], schema=schema
    )


@given(rows, st.randoms())
def test_order_and_batching_do_not_matter(values, random):
    shuffled = list(values)
    random.shuffle(shuffled)
    cut = len(shuffled) // 2
    assert digest_batch(_batch(values)) == digest_batches(
        [_batch(shuffled[:cut]), _batch(shuffled[cut:])]
    )


def test_every_kind_of_change_shows():
    base = [("ab", "c", None), ("x", "", "y")]
    digest = digest_batch(_batch(base))
    for changed in (
        [("a", "bc", None), ("x", "", "y")],  # a character moved across cells
        [("ab", "c", ""), ("x", "", "y")],  # null became empty
        [("ab", "c", None)],  # a row missing
        [*base, ("x", "", "y")],  # a row twice
    ):
        assert digest_batch(_batch(changed)) != digest
