"""The database readers against real SQLite, PostgreSQL and MariaDB: text out, streamed, and
errors that name the URL without its password."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from decimal import Decimal

import pyarrow as pa
import pytest
import sqlalchemy as sa
from tests.postgres import POSTGRES, schema_url

from sceau.sources.base import SourceError, open_source
from sceau.sources.readers.sql import MariadbSource, PostgresSource, SqliteSource

PG = "postgresql://postgres@127.0.0.1:5432/test"
MY = "mysql://root@127.0.0.1:3306/test"
ENGINES = {
    PG: "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    MY: "mysql+pymysql://root@127.0.0.1:3306/test",
}
PASSWORD = "S3cret-Pw-42"


def rows(table):
    batches = list(table.batches())
    assert all(field.type == pa.string() for batch in batches for field in batch.schema)
    return [row for batch in batches for row in batch.to_pylist()]


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


# --- SQLite ----------------------------------------------------------------------------------


@pytest.fixture
def lab_db(tmp_path):
    path = tmp_path / "lab.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE patients (NOM_PAT TEXT, TEL TEXT, DDN DATE, POIDS REAL, PHOTO BLOB)"
        )
        db.execute(
            "INSERT INTO patients VALUES ('LÉGER', '0612345678', '1980-01-02', 61.5, x'89504e47')"
        )
        db.execute("INSERT INTO patients VALUES ('ROUX', NULL, '1975-03-15', 80, NULL)")
        db.execute('CREATE TABLE "résultats" (id INTEGER, commentaire TEXT)')
        db.executemany('INSERT INTO "résultats" VALUES (?, ?)', [(i, "RAS") for i in range(30)])
    return path


def test_sqlite_file_every_table(lab_db):
    source = open_source(lab_db)
    assert isinstance(source, SqliteSource)
    tables = {table.name: table for table in source.tables()}
    assert list(tables) == [f"{lab_db}#patients", f"{lab_db}#résultats"]
    assert tables[f"{lab_db}#patients"].expected_rows == 2
    assert rows(tables[f"{lab_db}#patients"]) == [
        {"NOM_PAT": "LÉGER", "TEL": "0612345678", "DDN": "1980-01-02", "POIDS": "61.5",
         "PHOTO": "89504E47"},
        {"NOM_PAT": "ROUX", "TEL": None, "DDN": "1975-03-15", "POIDS": "80.0", "PHOTO": None},
    ]  # fmt: skip


def test_sqlite_url_one_table_batches_bounded(lab_db):
    url = f"sqlite:///{lab_db}#résultats"
    (table,) = open_source(url, batch_rows=8, delimiter=";").tables()
    assert table.name == f"sqlite:///{lab_db}#résultats"
    sizes = [batch.num_rows for batch in table.batches()]
    assert max(sizes) <= 8
    assert sum(sizes) == 30


def test_sqlite_sniffed_and_never_created(tmp_path, lab_db, check_error):
    copy = tmp_path / "export"
    copy.write_bytes(lab_db.read_bytes())
    assert isinstance(open_source(copy), SqliteSource)
    missing = tmp_path / "missing.sqlite"
    with pytest.raises(SourceError, match="no such SQLite file") as caught:
        list(open_source(f"sqlite:///{missing}").tables())
    check_error(caught.value, str(missing))
    assert not missing.exists()


def test_sqlite_errors(tmp_path, lab_db, check_error):
    fake = tmp_path / "fake.db"
    fake.write_text("NOM;SECRETNAME\n" * 100)
    with pytest.raises(SourceError, match="not a SQLite database") as caught:
        list(open_source(fake).tables())
    check_error(caught.value, str(fake), ["SECRETNAME"])
    with pytest.raises(SourceError, match="no such table") as caught:
        list(open_source(f"sqlite:///{lab_db}#nope").tables())
    check_error(caught.value, f"sqlite:///{lab_db}#nope")


# --- PostgreSQL and MariaDB --------------------------------------------------------------------


@pytest.fixture(params=[PG, MY], ids=["postgresql", "mariadb"])
def server(request):
    engine = sa.create_engine(ENGINES[request.param])
    yield request.param, engine
    engine.dispose()


@pytest.fixture
def patients(server):
    url, engine = server
    name = unique("Patients")
    table = sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer),
        sa.Column("NOM_PAT", sa.String(50)),
        sa.Column("tel", sa.String(20)),
        sa.Column("ddn", sa.Date),
        sa.Column("visite", sa.DateTime),
        sa.Column("montant", sa.Numeric(6, 2)),
        sa.Column("photo", sa.LargeBinary),
    )
    table.create(engine)
    with engine.begin() as connection:
        connection.execute(
            table.insert(),
            {"id": 1, "NOM_PAT": "LÉGER", "tel": "0612345678", "ddn": dt.date(1980, 1, 2),
             "visite": dt.datetime(2021, 2, 3, 10, 30), "montant": Decimal("12.50"),
             "photo": b"\x89PNG"},
        )  # fmt: skip
        connection.execute(table.insert(), [{"id": i, "NOM_PAT": f"P{i}"} for i in range(2, 51)])
    yield url, engine, name
    table.drop(engine)


def test_server_table_as_text_streamed(patients):
    url, _, name = patients
    source = open_source(f"{url}#{name}", batch_rows=16)
    assert isinstance(source, PostgresSource if url == PG else MariadbSource)
    cursors = []
    sa.event.listen(
        source.engine(),
        "after_cursor_execute",
        lambda conn, cursor, *args: cursors.append(type(cursor).__name__),
    )
    (table,) = source.tables()
    assert table.name == f"{url}#{name}"
    batches = list(table.batches())
    assert max(batch.num_rows for batch in batches) <= 16
    got = [row for batch in batches for row in batch.to_pylist()]
    assert len(got) == 50
    first = next(row for row in got if row["id"] == "1")
    assert first["NOM_PAT"] == "LÉGER"
    assert first["tel"] == "0612345678"
    assert first["ddn"] == "1980-01-02"
    assert first["visite"].startswith("2021-02-03")
    assert "10:30:00" in first["visite"]
    assert first["montant"] == "12.50"
    assert first["photo"].lower() in ("89504e47", "\\x89504e47")
    assert cursors[-1] in ("ServerCursor", "SSCursor"), "rows must stream from the server"


def test_server_every_table(patients):
    url, _, name = patients
    names = [table.name for table in open_source(url).tables()]
    assert f"{url}#{name}" in names


def test_a_view_is_read_like_a_table(patients):
    """A view shows rows as surely as a table: a scan of the database lists and reads it."""
    url, engine, name = patients
    view = unique("v_phones")
    quoted = engine.dialect.identifier_preparer.quote
    with engine.begin() as connection:
        connection.execute(
            sa.text(f"CREATE VIEW {quoted(view)} AS SELECT {quoted('tel')} FROM {quoted(name)}")
        )
    try:
        tables = {table.name: table for table in open_source(url).tables()}
        rows = [r for b in tables[f"{url}#{view}"].batches() for r in b.to_pylist()]
        assert {"tel": "0612345678"} in rows
        assert len(rows) == 50
        (alone,) = open_source(f"{url}#{view}").tables()
        assert sum(batch.num_rows for batch in alone.batches()) == 50
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP VIEW {quoted(view)}"))


def test_unknown_table(server, check_error):
    url, _ = server
    with pytest.raises(SourceError, match="no such table") as caught:
        list(open_source(f"{url}#no_such_table_here").tables())
    check_error(caught.value, f"{url}#no_such_table_here")


def test_unknown_database(server, check_error):
    url, _ = server
    other = url.rsplit("/", 1)[0] + "/" + unique("nodb")
    with pytest.raises(SourceError, match="no such database") as caught:
        list(open_source(other).tables())
    check_error(caught.value, other)


@pytest.mark.parametrize("scheme", ["postgresql", "mariadb"])
def test_unreachable_server_password_never_echoed(scheme, check_error):
    url = f"{scheme}://sceau:{PASSWORD}@127.0.0.1:1/test"
    with pytest.raises(SourceError, match="cannot reach") as caught:
        list(open_source(url).tables())
    check_error(caught.value, f"{scheme}://sceau@127.0.0.1:1/test", [PASSWORD])


def test_wrong_password_mariadb(check_error):
    """MariaDB only: the PostgreSQL of the test set-up trusts local logins."""
    engine = sa.create_engine(ENGINES[MY])
    user = unique("sceau")
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'right-one'"))
    try:
        with pytest.raises(SourceError, match="user name or password") as caught:
            list(open_source(f"mysql://{user}:{PASSWORD}@127.0.0.1:3306/test").tables())
        check_error(caught.value, f"mysql://{user}@127.0.0.1:3306/test", [PASSWORD])
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP USER '{user}'@'%'"))
        engine.dispose()


def _read_all(location: str) -> None:
    for table in open_source(location).tables():
        list(table.batches())


def test_permission_denied(patients, check_error):
    url, engine, name = patients
    user = unique("sceau_norights")
    if url == PG:
        create, drop = f'CREATE ROLE "{user}" LOGIN', f'DROP ROLE "{user}"'
        target = f"postgresql://{user}:{PASSWORD}@127.0.0.1:5432/test#{name}"
    else:
        create = f"CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD}'"
        drop = f"DROP USER '{user}'@'%'"
        target = f"mysql://{user}:{PASSWORD}@127.0.0.1:3306/test#{name}"
    with engine.begin() as connection:
        connection.execute(sa.text(create))
    try:
        with pytest.raises(SourceError, match="permission denied") as caught:
            _read_all(target)
        check_error(caught.value, target.replace(f":{PASSWORD}", "").rsplit("#")[0], [PASSWORD])
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(drop))


# --- names the dialect must quote; one unreadable table does not stop the others -------------

ODD = ['a"b', "c`d", "pct%s", "x y", "select", "NOM\nPAT"]  # every one a legal column name
CLEANED = ['a"b', "c`d", "pct%s", "x y", "select", "NOM PAT"]
DQ = '"'


def test_sqlite_names_with_quotes_and_backticks(tmp_path):
    path = tmp_path / "odd.sqlite"
    with sqlite3.connect(path) as db:
        columns = ", ".join('"' + name.replace('"', '""') + '" TEXT' for name in ODD)
        db.execute(f'CREATE TABLE "we""ird`t" ({columns})')
        db.execute(f'INSERT INTO "we""ird`t" VALUES ({", ".join("?" * len(ODD))})', ODD)
    db.close()
    (table,) = open_source(path).tables()
    assert table.name == f'{path}#we"ird`t'
    assert rows(table) == [dict(zip(CLEANED, ODD, strict=True))]


@pytest.fixture
def mariadb_database():
    """A database of the test's own on the MariaDB server, dropped afterwards."""
    name = unique("sceau_src")
    engine = sa.create_engine(ENGINES[MY])
    with engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE `{name}`")
    try:
        yield engine, name
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE `{name}`")
        engine.dispose()


def _raw(engine: sa.Engine, *statements: tuple[str, tuple | None]) -> None:
    """Statements run by the driver as written: no placeholder or ``%`` is interpreted."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, values in statements:
            cursor.execute(statement, values)
        connection.commit()
    finally:
        connection.close()


def _quote(name: str, mark: str) -> str:
    return mark + name.replace(mark, mark * 2) + mark


def test_mariadb_names_with_backticks(mariadb_database):
    engine, database = mariadb_database
    table = f"{_quote(database, '`')}.{_quote('we`ird', '`')}"
    columns = ", ".join(f"{_quote(name, '`')} TEXT" for name in ODD)
    _raw(
        engine,
        (f"CREATE TABLE {table} ({columns})", None),
        (f"INSERT INTO {table} VALUES ({', '.join(['%s'] * len(ODD))})", tuple(ODD)),
    )
    url = f"mysql://root@127.0.0.1:3306/{database}"
    (found,) = open_source(url).tables()
    assert found.name == f"{url}#we`ird"
    assert rows(found) == [dict(zip(CLEANED, ODD, strict=True))]
    (named,) = open_source(f"{url}#we`ird").tables()
    assert rows(named) == rows(found)


def test_postgres_names_with_double_quotes():
    with schema_url("sceau_src") as store:
        schema = store.rsplit("%3D", 1)[1]
        odd_table = 'we"ird`t'
        table = f'"{schema}".{_quote(odd_table, DQ)}'
        columns = ", ".join(f"{_quote(name, DQ)} TEXT" for name in ODD)
        engine = sa.create_engine(POSTGRES)
        _raw(
            engine,
            (f"CREATE TABLE {table} ({columns})", None),
            (f"INSERT INTO {table} VALUES ({', '.join(['%s'] * len(ODD))})", tuple(ODD)),
        )
        engine.dispose()
        (found,) = open_source(f'{PG}#{schema}.we"ird`t').tables()
        assert found.name == f'{PG}#{schema}.we"ird`t'
        assert rows(found) == [dict(zip(CLEANED, ODD, strict=True))]


def test_mariadb_a_table_this_user_may_not_read_is_skipped(mariadb_database):
    from sceau.detect.scan import scan

    engine, database = mariadb_database
    user = unique("sceau_some")
    statements = [
        statement
        for table in ("readable", "hidden")
        for statement in (
            f"CREATE TABLE `{database}`.`{table}` (nom TEXT, `c``d` TEXT)",
            f"INSERT INTO `{database}`.`{table}` VALUES ('DUPONT', 'x')",
        )
    ]
    _raw(
        engine,
        *((statement, None) for statement in statements),
        (f"CREATE USER '{user}'@'%' IDENTIFIED BY '{PASSWORD}'", None),
        (f"GRANT SELECT ON `{database}`.`readable` TO '{user}'@'%'", None),
        (f"GRANT INSERT ON `{database}`.`hidden` TO '{user}'@'%'", None),
    )
    try:
        url = f"mysql://{user}:{PASSWORD}@127.0.0.1:3306/{database}"
        report = scan([url])
        shown = f"mysql://{user}@127.0.0.1:3306/{database}"
        assert [table.source for table in report.tables] == [f"{shown}#readable"]
        assert [(s.location, s.reason) for s in report.skipped] == [
            (f"{shown}#hidden", "permission denied: this user may not read it")
        ]
        with pytest.raises(SourceError, match="permission denied"):
            _read_all(f"{url}#hidden")  # named on its own, it is an error
    finally:
        _raw(engine, (f"DROP USER '{user}'@'%'", None))


def test_postgres_a_table_this_user_may_not_read_is_skipped():
    from sceau.detect.scan import scan

    engine = sa.create_engine(ENGINES[PG])
    role = unique("sceau_some")
    readable, hidden = unique("readable"), unique("hidden")
    with engine.begin() as connection:
        for table in (readable, hidden):
            connection.exec_driver_sql(f'CREATE TABLE "{table}" (nom TEXT, "a""b" TEXT)')
            connection.exec_driver_sql(f"INSERT INTO \"{table}\" VALUES ('DUPONT', 'x')")
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        connection.exec_driver_sql(f'GRANT SELECT ON "{readable}" TO "{role}"')
    try:
        shown = f"postgresql://{role}@127.0.0.1:5432/test"
        report = scan([shown])
        scanned = [table.source for table in report.tables]
        assert f"{shown}#{readable}" in scanned
        assert f"{shown}#{hidden}" not in scanned
        skipped = {entry.location: entry.reason for entry in report.skipped}
        assert skipped[f"{shown}#{hidden}"] == "permission denied: this user may not read it"
    finally:
        with engine.begin() as connection:
            for table in (readable, hidden):
                connection.exec_driver_sql(f'DROP TABLE "{table}"')
            connection.exec_driver_sql(f'DROP ROLE "{role}"')
        engine.dispose()


def test_a_table_dropped_between_the_listing_and_the_reading_is_skipped(patients, monkeypatch):
    # a live database: another session drops a table after sceau listed it
    url, _, name = patients
    source = open_source(url)
    listed = type(source)._table_names
    gone = unique("gone")

    def with_a_dropped_one(self, connection):
        return [*listed(self, connection), (self.default_schema, gone)]

    monkeypatch.setattr(type(source), "_table_names", with_a_dropped_one)
    names = [table.name for table in source.tables()]
    assert f"{url}#{name}" in names
    assert f"{url}#{gone}" not in names
    assert [(s.location, s.reason) for s in source.skipped] == [
        (f"{url}#{gone}", "the table was dropped while the database was being read")
    ]
