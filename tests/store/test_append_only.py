"""The audit tables refuse change on a real PostgreSQL, and the service role cannot undo that.

Each test gets a schema of its own (dropped afterwards); roles are cluster-wide, so each role
name is unique to the test and dropped with everything it was granted.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.exc import DBAPIError
from tests.postgres import POSTGRES

from sceau.store import open_store
from sceau.store.append_only import AppendOnlyError, grant_service_role, install_append_only
from sceau.store.schema import alerts, audit_checkpoints, audit_entries, audit_head, runs

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
AUDIT = ["audit_entries", "audit_checkpoints"]
CHANGE = {"audit_entries": "name = 'x'", "audit_checkpoints": "root = 'x'"}


@pytest.fixture
def server() -> Iterator[Engine]:
    engine = create_engine(POSTGRES)
    yield engine
    engine.dispose()


@pytest.fixture
def schema(server: Engine) -> Iterator[str]:
    name = f"sceau_append_{uuid4().hex[:12]}"
    with server.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    yield name
    with server.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture
def bare(schema: str) -> Iterator[Engine]:
    """The store's tables in the test's schema, not yet locked down."""
    engine = open_store(f"{POSTGRES}?options=-csearch_path%3D{schema}")
    yield engine
    engine.dispose()


@pytest.fixture
def engine(bare: Engine) -> Engine:
    install_append_only(bare)
    with bare.begin() as connection:
        connection.execute(insert(audit_entries).values(entry_row(0)))
        connection.execute(insert(audit_checkpoints).values(checkpoint_row(1)))
        connection.execute(insert(audit_head).values(id=1, size=1, frontier=b"f" * 32, seal=b"s"))
    return bare


@pytest.fixture
def role(engine: Engine, server: Engine) -> Iterator[str]:
    name = f"sceau_test_{uuid4().hex[:12]}"
    grant_service_role(engine, name)
    yield name
    with server.begin() as connection:
        connection.exec_driver_sql(f'DROP OWNED BY "{name}"')
        connection.exec_driver_sql(f'DROP ROLE "{name}"')


def entry_row(seq: int) -> dict[str, object]:
    at_us = round(NOW.timestamp() * 1_000_000)
    return {"seq": seq, "at_us": at_us, "name": "run.started", "entry": b"{}", "seal": b"s" * 32}


def checkpoint_row(number: int) -> dict[str, object]:
    return {
        "number": number,
        "size": number,
        "root": "ab" * 32,
        "at": NOW,
        "body": "body",
        "signature": "sig",
    }


def run_row(run_id: str) -> dict[str, object]:
    return {
        "run_id": run_id,
        "mandate_sha256": "0" * 64,
        "actor": "op.durand",
        "status": "staging",
        "source": "folder",
        "destination": "sqlite:///lis.db",
        "key_id": "k",
        "key_provider": "local",
        "staging_path": "/tmp/staging",
        "started_at": NOW,
        "retention_until": NOW,
    }


def execute(engine: Engine, sql: str, role: str | None = None) -> None:
    """Run ``sql`` in a transaction of its own, as ``role`` if given, and commit."""
    with engine.begin() as connection:
        if role is not None:
            connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
        connection.exec_driver_sql(sql)


def refused(engine: Engine, sql: str, role: str | None = None) -> str:
    with pytest.raises(DBAPIError) as caught:
        execute(engine, sql, role)
    assert caught.value.orig.sqlstate == "42501"  # type: ignore[union-attr]
    return str(caught.value.orig)


def count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()


# --- the triggers ---------------------------------------------------------------------------


@pytest.mark.parametrize("table", AUDIT)
@pytest.mark.parametrize(
    ("operation", "sql"),
    [("UPDATE", "UPDATE {table} SET {change}"), ("DELETE", "DELETE FROM {table}")],
)
def test_rows_cannot_be_changed_or_removed(engine: Engine, table: str, operation: str, sql: str):
    message = refused(engine, sql.format(table=table, change=CHANGE[table]))
    assert f"the audit trail is append-only: {operation} refused on {table}" in message
    assert count(engine, table) == 1


@pytest.mark.parametrize("table", AUDIT)
def test_tables_cannot_be_truncated(engine: Engine, table: str):
    message = refused(engine, f"TRUNCATE {table}")
    assert f"the audit trail is append-only: TRUNCATE refused on {table}" in message
    assert count(engine, table) == 1


def test_appending_still_works_and_the_head_moves(engine: Engine):
    with engine.begin() as connection:
        connection.execute(insert(audit_entries).values(entry_row(1)))
        connection.execute(insert(audit_checkpoints).values(checkpoint_row(2)))
        connection.execute(audit_head.update().values(size=2, frontier=b"g" * 32))
    with engine.connect() as connection:
        assert connection.execute(select(audit_head.c.size)).scalar_one() == 2
    assert count(engine, "audit_entries") == 2
    assert count(engine, "audit_checkpoints") == 2


def test_installing_twice_is_harmless(engine: Engine):
    install_append_only(engine)
    install_append_only(engine)
    with engine.connect() as connection:
        triggers = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'sceau_append_only%%' "
            "AND tgrelid IN ('audit_entries'::regclass, 'audit_checkpoints'::regclass)"
        ).scalar_one()
    assert triggers == 4
    refused(engine, "DELETE FROM audit_entries")


def test_installs_racing_each_other_all_succeed(bare: Engine):
    errors: list[BaseException] = []

    def install() -> None:
        try:
            install_append_only(bare)
        except BaseException as error:  # noqa: BLE001  (reported below, in the test's thread)
            errors.append(error)

    threads = [threading.Thread(target=install) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with bare.begin() as connection:
        connection.execute(insert(audit_entries).values(entry_row(0)))
    refused(bare, "UPDATE audit_entries SET name = 'x'")


def test_a_disabled_trigger_is_put_back(engine: Engine):
    execute(engine, "ALTER TABLE audit_entries DISABLE TRIGGER sceau_append_only_rows")
    execute(engine, "UPDATE audit_entries SET name = 'run.stopped'")  # the owner's visible act
    install_append_only(engine)
    refused(engine, "UPDATE audit_entries SET name = 'run.started'")


def test_the_function_lives_in_the_engines_schema(engine: Engine, schema: str):
    with engine.connect() as connection:
        where = connection.exec_driver_sql(
            "SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname = 'sceau_refuse_audit_change'"
        ).scalars()
        assert schema in list(where)


def test_on_sqlite_it_does_nothing(tmp_path: Path):
    engine = open_store(f"sqlite:///{tmp_path}/state.db")
    try:
        install_append_only(engine)
        with engine.begin() as connection:
            connection.execute(insert(audit_entries).values(entry_row(0)))
            connection.execute(audit_entries.update().values(name="run.stopped"))
            connection.execute(audit_entries.delete())
        with pytest.raises(AppendOnlyError, match="needs PostgreSQL"):
            grant_service_role(engine, "sceau_service")
    finally:
        engine.dispose()


# --- the service role -----------------------------------------------------------------------


def test_the_role_appends_and_reads_the_audit_tables(engine: Engine, role: str):
    execute(
        engine,
        "INSERT INTO audit_entries (seq, at_us, name, entry, seal) VALUES (1, 0, 'x', 'e', 's')",
        role,
    )
    execute(
        engine,
        "INSERT INTO audit_checkpoints (number, size, root, at, body, signature) "
        "VALUES (2, 2, 'r', now(), 'b', 's')",
        role,
    )
    execute(engine, "UPDATE audit_head SET size = 2", role)
    execute(engine, "SELECT * FROM audit_entries, audit_checkpoints, audit_head", role)
    assert count(engine, "audit_entries") == 2


@pytest.mark.parametrize("table", AUDIT)
@pytest.mark.parametrize(
    "sql", ["UPDATE {table} SET {change}", "DELETE FROM {table}", "TRUNCATE {table}"]
)
def test_the_role_may_not_change_the_audit_tables(engine: Engine, role: str, table: str, sql):
    message = refused(engine, sql.format(table=table, change=CHANGE[table]), role)
    assert f"permission denied for table {table}" in message


def test_the_role_runs_the_operational_tables(engine: Engine, role: str):
    with engine.begin() as connection:
        connection.exec_driver_sql(f'SET LOCAL ROLE "{role}"')
        connection.execute(insert(runs).values(run_row("run-1")))
        connection.execute(runs.update().values(status="verified"))
        connection.execute(
            insert(alerts).values(
                rule="r",
                key="k",
                severity="high",
                state="open",
                summary="s",
                facts={},
                raised_at=NOW,
                last_seen=NOW,
            )
        )  # the serial alert_id needs USAGE on its sequence
        connection.execute(runs.delete())
        assert connection.execute(text("SELECT current_user")).scalar_one() == role


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TRIGGER sceau_append_only_rows ON audit_entries",
        "ALTER TABLE audit_entries DISABLE TRIGGER sceau_append_only_rows",
        "ALTER TABLE audit_checkpoints DISABLE TRIGGER ALL",
        "DROP FUNCTION sceau_refuse_audit_change() CASCADE",
        "DROP TABLE audit_entries",
    ],
)
def test_the_role_cannot_undo_the_lockdown(engine: Engine, role: str, sql: str):
    assert "must be owner" in refused(engine, sql, role)
    refused(engine, "DELETE FROM audit_entries")


def test_granting_again_resets_extra_grants(engine: Engine, role: str):
    execute(engine, f'GRANT UPDATE, DELETE ON audit_entries TO "{role}"')
    grant_service_role(engine, role)
    assert "permission denied" in refused(engine, "DELETE FROM audit_entries", role)


@pytest.mark.parametrize(
    "name", ["", "Sceau", "sceau-service", 'x"; DROP TABLE runs; --', "pg_sceau", "public",
             "9lives", "a" * 64]
)  # fmt: skip
def test_a_role_name_must_be_a_plain_identifier(engine: Engine, name: str):
    with pytest.raises(AppendOnlyError, match="plain identifier") as caught:
        grant_service_role(engine, name)
    assert caught.value.hint
    assert count(engine, "runs") == 0


def test_the_tables_owner_is_refused_as_service_role(engine: Engine):
    with engine.connect() as connection:
        owner = connection.exec_driver_sql("SELECT current_user").scalar_one()
    with pytest.raises(AppendOnlyError, match="owns the sceau tables") as caught:
        grant_service_role(engine, owner)
    assert "separate role" in caught.value.hint


def test_a_narrowed_trigger_is_replaced(engine: Engine):
    execute(engine, "DROP TRIGGER sceau_append_only_rows ON audit_entries")
    execute(
        engine,
        "CREATE TRIGGER sceau_append_only_rows BEFORE DELETE ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION sceau_refuse_audit_change()",
    )
    execute(engine, "UPDATE audit_entries SET name = 'run.stopped'")
    install_append_only(engine)
    refused(engine, "UPDATE audit_entries SET name = 'run.started'")
