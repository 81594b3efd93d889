"""Any text, null or empty, goes into every target and comes back unchanged.

PostgreSQL text cannot hold NUL: that target refuses a batch with one, naming the column; the
other four keep it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pymysql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sceau.targets import Target, TargetError

from .conftest import PG, batch, rows_of

COLUMNS = ("note[0].text", "name[0].given[1]")
CELL = st.none() | st.text(max_size=20)
ROWS = st.lists(st.tuples(CELL, CELL), max_size=8)


def _emptier(target: Target):
    """A function that empties the target's table and its checkpoints, for the next example."""
    name = target.table.name
    if target.kind == "postgresql":
        connection = psycopg.connect(PG, autocommit=True)
        statements = [
            f'DELETE FROM "{name}"',
            "DELETE FROM sceau_checkpoints WHERE table_name = %s",
        ]
    elif target.kind == "mariadb":
        connection = pymysql.connect(
            host="127.0.0.1", user="root", database="test", autocommit=True
        )
        statements = [
            f"DELETE FROM `{name}`",
            "DELETE FROM sceau_checkpoints WHERE table_name = %s",
        ]
    elif target.kind == "sqlite":
        connection = sqlite3.connect(target.path, isolation_level=None)
        statements = [f'DELETE FROM "{name}"', "DELETE FROM sceau_checkpoints WHERE table_name = ?"]
    else:
        return lambda: [path.unlink() for path in Path(target.location).iterdir()], lambda: None

    def empty() -> None:
        cursor = connection.cursor()
        cursor.execute(statements[0])
        cursor.execute(statements[1], [name])
        cursor.close()

    return empty, connection.close


@pytest.fixture
def loaded(kind, make_target):
    """One table per test, not per example: (target, a function that empties it)."""
    target = make_target(kind, columns=COLUMNS, name="Observation" if kind == "fhir" else None)
    target.prepare(create=True)
    empty, close = _emptier(target)
    yield target, empty
    close()


@pytest.mark.parametrize("kind", ["sqlite", "parquet", "fhir", "mariadb", "postgresql"])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=ROWS)
def test_any_text_round_trips(kind, rows, loaded):
    target, empty = loaded
    empty()
    if kind == "postgresql" and any("\0" in (cell or "") for row in rows for cell in row):
        with pytest.raises(TargetError, match="holds a NUL character"):
            target.write_batch("run-1", 0, batch(rows, COLUMNS))
        assert target.loaded_batches("run-1") == {}
        return
    target.write_batch("run-1", 0, batch(rows, COLUMNS))
    assert target.loaded_batches("run-1") == {0: len(rows)}
    assert sorted(rows_of(target), key=repr) == sorted(rows, key=repr)
