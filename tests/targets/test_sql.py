"""What the three SQL targets share, on each of them: names quoted whatever they hold, a failed
load that leaves nothing, tables that are not sceau's kind refused, names the database would
fold or cut refused before connecting, and a dropped server connection taken up again."""

from __future__ import annotations

import psycopg
import pytest

from sceau.targets import TargetError
from sceau.targets._sql import PART_ROWS

from .conftest import (
    COLUMNS,
    PG,
    SQL_KINDS,
    batch,
    connect_my,
    execute_on,
    quoted,
    rows_of,
    unique,
)

ROW = ("1 80 01 75 123 456 78", "LÉGER", "Hélène", "female", "VIH")
STOP = (*ROW[:3], "stop", "VIH")  # a row the trigger below refuses
# each name holds what a driver, a quote or Python's str.format could take for its own
ODD = ("a%s", 'b"c', "d`e", "f'g", "{h}", "i?j", "k; l", "%(m)s", "\\n")


@pytest.mark.parametrize("kind", SQL_KINDS)
def test_any_name_is_quoted_and_round_trips(kind, make_target):
    target = make_target(kind, columns=ODD, name=f"{unique()}%s?{{0}}\"`'")
    target.prepare(create=True)
    rows = [tuple(f"{name}={i}" for name in ODD) for i in range(3)]
    target.write_batch("run-1", 0, batch(rows, columns=ODD))
    target.write_batch("run-1", 0, batch(rows, columns=ODD))  # recorded: skipped
    target.prepare(create=False)  # the table's layout and counts, read through the odd names
    assert target.loaded_batches("run-1") == {0: 3}
    assert sorted(rows_of(target)) == rows


def _trigger(kind: str, name: str) -> tuple[list[str], list[str]]:
    """Statements that make the table refuse a row whose gender is 'stop', and that undo it;
    the error text quotes a value, as a real server's may."""
    table = quoted(kind, name)
    if kind == "postgresql":
        function = quoted(kind, f"{name}_stop")
        return [
            f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.gender = 'stop' THEN RAISE EXCEPTION 'VIH %', NEW.family; END IF; "
            "RETURN NEW; END $$",
            f"CREATE TRIGGER stop BEFORE INSERT ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {function}()",
        ], [f"DROP TRIGGER stop ON {table}", f"DROP FUNCTION {function}()"]
    trigger = quoted(kind, f"{name}_stop")
    if kind == "mariadb":
        return [
            f"CREATE TRIGGER {trigger} BEFORE INSERT ON {table} FOR EACH ROW "
            "IF NEW.gender = 'stop' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'VIH'; "
            "END IF"
        ], [f"DROP TRIGGER {trigger}"]
    return [
        f"CREATE TRIGGER {trigger} BEFORE INSERT ON {table} WHEN NEW.gender = 'stop' "
        "BEGIN SELECT RAISE(ABORT, 'VIH'); END"
    ], [f"DROP TRIGGER {trigger}"]


@pytest.mark.parametrize("kind", SQL_KINDS)
def test_a_batch_refused_half_way_leaves_neither_rows_nor_checkpoint(kind, make_target):
    columns = (*COLUMNS[:3], "gender", "family")
    target = make_target(kind, columns=columns)
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([ROW], columns=columns))
    create, drop = _trigger(kind, target.table.name)
    execute_on(target, *create)
    failing = batch([ROW] * 50 + [STOP] + [ROW] * 50, columns=columns)
    with pytest.raises(TargetError, match="refused the operation") as caught:
        target.write_batch("run-1", 1, failing)
    assert "VIH" not in f"{caught.value} {caught.value.hint}"
    assert caught.value.__cause__ is None
    assert target.loaded_batches("run-1") == {0: 1}
    assert len(rows_of(target)) == 1  # none of the 50 rows before the refused one
    execute_on(target, *drop)
    target.write_batch("run-1", 1, failing)  # the same connection goes on
    assert target.loaded_batches("run-1") == {0: 1, 1: 101}


@pytest.mark.parametrize("kind", SQL_KINDS)
def test_views_and_columns_that_are_not_text_are_refused(kind, make_target):
    target = make_target(kind)
    table = quoted(kind, target.table.name)
    number = {"postgresql": "integer", "mariadb": "INT", "sqlite": "INTEGER"}[kind]
    columns = ", ".join(f"{quoted(kind, c)} {number if c == 'gender' else 'TEXT'}" for c in COLUMNS)
    execute_on(target, f"CREATE TABLE {table} ({columns})")
    with pytest.raises(TargetError, match=r"(?i)the column 'gender' is .*int.*, not text") as c:
        target.prepare(create=True)
    assert c.value.hint
    execute_on(target, f"DROP TABLE {table}", f"CREATE VIEW {table} AS SELECT 1 AS x")
    try:
        with pytest.raises(TargetError, match="view"):
            target.prepare(create=True)
    finally:
        execute_on(target, f"DROP VIEW {table}")


@pytest.mark.parametrize(
    ("kind", "columns", "expected"),
    [
        ("postgresql", ("é" * 32,), "at most 63 bytes"),
        ("mariadb", ("x" * 65,), "at most 64 characters"),
        ("mariadb", ("nom ",), "cannot end with a space"),
        ("mariadb", ("Nom", "nom"), "would be the same column"),
        ("sqlite", ("Nom", "nom"), "would be the same column"),
    ],
)
def test_names_the_database_would_cut_or_fold_are_refused_before_connecting(
    kind, columns, expected, make_target
):
    target = make_target(kind, columns=columns)
    with pytest.raises(TargetError, match=expected) as caught:
        target.check_table()
    assert caught.value.hint
    assert target._connection is None


def test_postgres_keeps_names_that_differ_in_case_apart(make_target):
    columns = ("Nom", "nom")
    target = make_target("postgresql", columns=columns)
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([("LÉGER", "léger")], columns=columns))
    assert rows_of(target) == [("LÉGER", "léger")]


def _kill(target) -> None:
    """End the target's server connection from another session, as a DBA or a restart would."""
    if target.kind == "postgresql":
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [target._connection.info.backend_pid])
    else:
        admin = connect_my()
        with admin.cursor() as cursor:
            cursor.execute(f"KILL {target._connection.thread_id()}")
        admin.close()


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_a_connection_killed_between_batches_is_taken_up_again(kind, make_target):
    target = make_target(kind)
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([ROW] * 3))
    _kill(target)
    with pytest.raises(TargetError, match="went away") as caught:
        target.write_batch("run-1", 1, batch([ROW] * 2))
    assert "resume" in caught.value.hint
    target.write_batch("run-1", 1, batch([ROW] * 2))  # the next call connects again
    assert target.loaded_batches("run-1") == {0: 3, 1: 2}
    assert len(rows_of(target)) == 5


@pytest.mark.parametrize("kind", SQL_KINDS)
def test_a_batch_is_reported_part_by_part_as_it_is_written(kind, make_target):
    target = make_target(kind)
    target.prepare(create=True)
    rows = [ROW] * (2 * PART_ROWS + 7)
    told: list[int] = []
    target.watch(told.append)
    target.write_batch("run-1", 0, batch(rows))
    assert sum(told) == len(rows)
    if kind != "mariadb":  # MariaDB's parts are statements of a few MB: these rows fit in one
        assert told == [PART_ROWS, PART_ROWS, 7]
    told.clear()
    target.write_batch("run-1", 0, batch(rows))  # already loaded: nothing written, nothing told
    assert told == []
    assert target.loaded_batches("run-1") == {0: len(rows)}
