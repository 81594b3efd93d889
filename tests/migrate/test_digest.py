"""The verifier's digest: order-independent, sensitive to every cell, and the same whether
sceau computes it from the rows or PostgreSQL computes it where they are."""

from __future__ import annotations

import uuid

import psycopg
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.migrate.verify import Digest, digest_batch, digest_batches
from sceau.targets import TargetTable, open_target

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


@settings(max_examples=25, deadline=None)
@given(rows)
def test_postgresql_computes_the_same_digest_where_the_rows_are(values):
    table = f"digest_{uuid.uuid4().hex[:10]}"
    target = open_target(POSTGRES, TargetTable(table, COLUMNS))
    try:
        target.prepare(create=True)
        target.write_batch("digest-test", 0, _batch(values))
        assert Digest(*target.digest()) == digest_batch(_batch(values))
    finally:
        target.close()
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'DROP TABLE IF EXISTS "{table}"')
            connection.execute("DELETE FROM sceau_checkpoints WHERE table_name = %s", (table,))
