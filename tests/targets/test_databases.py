"""PostgreSQL and MariaDB specifics: a server connection that goes away in the middle of a COPY,
tables that are not sceau's kind of table, values the database cannot hold, and errors that keep
secrets. What the three SQL targets share is tested on each in test_sql.py."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from sceau.targets import TargetError, TargetTable, open_target

from .conftest import COLUMNS, PG, batch, connect_my, rows_of, unique

ROW = ("1 80 01 75 123 456 78", "LÉGER", "Hélène", "female", "VIH")
PASSWORD = "S3cret-Pw-42"


# --- going away ------------------------------------------------------------------------------


def test_postgres_connection_killed_in_the_middle_of_a_copy(make_target):
    """Rows already copied when the server goes away are rolled back with their batch."""
    target = make_target("postgresql")
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([ROW]))
    name = target.table.name
    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute(
            f'CREATE FUNCTION "{name}_slow"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
            "IF NEW.gender = 'slow' THEN PERFORM pg_sleep(30); END IF; RETURN NEW; END $$"
        )
        admin.execute(
            f'CREATE TRIGGER slow BEFORE INSERT ON "{name}" FOR EACH ROW '
            f'EXECUTE FUNCTION "{name}_slow"()'
        )
        try:
            pid = target._connection.info.backend_pid
            failures: list[BaseException] = []

            def load() -> None:
                rows = [ROW] * 50 + [(*ROW[:3], "slow", ROW[4])] + [ROW] * 50
                try:
                    target.write_batch("run-1", 1, batch(rows))
                except TargetError as error:
                    failures.append(error)

            loader = threading.Thread(target=load)
            loader.start()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                waiting = admin.execute(
                    "SELECT wait_event FROM pg_stat_activity WHERE pid = %s", [pid]
                ).fetchone()
                if waiting and waiting[0] == "PgSleep":
                    break
                time.sleep(0.02)
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            loader.join(10)
            assert len(failures) == 1
            assert "went away" in failures[0].message
            assert target.loaded_batches("run-1") == {0: 1}
            assert len(rows_of(target)) == 1  # none of the 50 rows copied before the kill
        finally:
            admin.execute(f'DROP TRIGGER IF EXISTS slow ON "{name}"')
            admin.execute(f'DROP FUNCTION IF EXISTS "{name}_slow"()')


# --- tables that are not sceau's kind --------------------------------------------------------


def test_postgres_refuses_nul(make_target):
    target = make_target("postgresql")
    target.prepare(create=True)
    with pytest.raises(TargetError, match=r"'note\[0\].text' holds a NUL") as caught:
        target.write_batch("run-1", 0, batch([ROW, (*ROW[:4], "VIH\x00suite")]))
    assert "VIH" not in caught.value.message
    assert target.loaded_batches("run-1") == {}


def test_mariadb_refuses_myisam_and_other_charsets(make_target):
    target = make_target("mariadb")
    name = target.table.name
    columns = ", ".join(f"`{c}` LONGTEXT" for c in COLUMNS)
    admin = connect_my()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE TABLE `{name}` ({columns}) ENGINE=MyISAM CHARSET=utf8mb4")
            with pytest.raises(TargetError, match="no transactions"):
                target.prepare(create=True)
            cursor.execute(f"DROP TABLE `{name}`")
            cursor.execute(f"CREATE TABLE `{name}` ({columns}) ENGINE=InnoDB CHARSET=latin1")
            with pytest.raises(TargetError, match="not text in utf8mb4"):
                target.prepare(create=True)
    finally:
        admin.close()


def test_mariadb_keeps_nul_and_every_escape(make_target):
    target = make_target("mariadb", columns=("value",))
    target.prepare(create=True)
    values = ["a\x00b", "\\0", "\\'", "'", '"', "\x1a", "\\", "\r\n", "`", "%s", "%(x)s", "?"]
    target.write_batch("run-1", 0, batch([(v,) for v in values], columns=("value",)))
    assert sorted(v for (v,) in rows_of(target)) == sorted(values)


def test_mariadb_statements_are_split_under_the_packet_size(make_target):
    target = make_target("mariadb", columns=("value",))
    target.prepare(create=True)
    rows = [(f"{i:06d}" + "x" * 2000,) for i in range(2500)]  # 5 MB: two statements
    assert len(list(target._statements(batch(rows, columns=("value",)).columns))) == 2
    target.write_batch("run-1", 0, batch(rows, columns=("value",)))
    assert target.loaded_batches("run-1") == {0: 2500}
    assert sorted(rows_of(target)) == rows


# --- errors keep secrets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/test", "cannot reach"),
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/no_such_db_here", "no such database"),
        (f"mysql://root:{PASSWORD}@127.0.0.1:3306/test", "user name or password"),
        (f"mysql://root:{PASSWORD}@127.0.0.1:1/test", "cannot reach"),
    ],
)
def test_connection_errors_name_the_url_without_its_password(url, expected):
    target = open_target(url, TargetTable(unique(), COLUMNS))
    with pytest.raises(TargetError) as caught:
        target.prepare(create=True)
    error = caught.value
    assert expected in error.message
    assert error.hint
    assert "127.0.0.1" in error.where
    assert PASSWORD not in f"{error} {error.where} {error.hint}"
    assert error.__cause__ is None
    assert error.__suppress_context__
