"""A signed destination names one place: the same rows land in the same table whoever starts the
run and wherever. A relative path, or a database URL that leaves its server or database to the
environment, is refused before anything connects."""

from __future__ import annotations

import psycopg
import pytest

from sceau.targets import TargetError, TargetTable, open_target

from .conftest import KINDS, PG, batch

ROW = ("1 80 01 75 123 456 78", "LÉGER", "Hélène", "female", "VIH")

TABLE = TargetTable("patients", ("value",))


@pytest.mark.parametrize(
    "location",
    [
        "sqlite:////srv/lis.db",
        "postgresql://lis@db.lab.example:5432/lis",
        "postgresql://lis@/lis?host=/var/run/postgresql",  # a socket folder, named in full
        "mariadb://lis@db.lab.example:3306/lis",
        "/srv/exports/lis.parquet",
        "/srv/exports/lis.fhir",
    ],
)
def test_a_location_that_names_one_place_passes(location: str) -> None:
    with open_target(location, TABLE) as target:
        target.check_place()


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("sqlite:///lis.db", "sqlite:////srv/lis.db"),
        ("sqlite:///~/lis.db", "sqlite:////srv/lis.db"),
        ("postgresql:///lis", "postgresql://user@host:port/database"),
        ("postgresql://lis@db.lab.example", "postgresql://user@host:port/database"),
        ("mariadb:///lis", "mariadb://user@host:port/database"),
        ("exports/lis.parquet", "absolute path"),
        ("~/exports/lis.fhir", "absolute path"),
    ],
)
def test_a_location_that_depends_on_where_the_run_starts_is_refused(
    location: str, words: str
) -> None:
    with open_target(location, TABLE) as target, pytest.raises(TargetError) as refused:
        target.check_place()
    assert words in refused.value.hint
    assert "working directory" in refused.value.message or "server" in refused.value.message


def test_postgres_goes_where_the_url_says_whatever_the_environment(make_target, monkeypatch):
    # each would send the rows elsewhere: another address for the host, another port (the URL
    # below names none), a search_path that puts the table in another schema
    monkeypatch.setenv("PGHOSTADDR", "192.0.2.1")  # TEST-NET-1: nothing answers there
    monkeypatch.setenv("PGPORT", "1")
    monkeypatch.setenv("PGOPTIONS", "-c search_path=elsewhere")
    target = make_target("postgresql")
    target.location = PG.replace(":5432", "")
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([ROW]))
    assert target.loaded_batches("run-1") == {0: 1}
    assert target.reached() == ["postgresql://127.0.0.1:5432/test"]  # the server's own word
    for name in ("PGHOSTADDR", "PGPORT", "PGOPTIONS"):  # the check below reads its own way
        monkeypatch.delenv(name)
    with psycopg.connect(PG) as connection:
        (schema,) = connection.execute(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = %s",
            (target.table.name,),
        ).fetchone()
    assert schema == "public"


def test_mariadb_goes_where_the_url_says_whatever_the_environment(make_target, monkeypatch):
    # what the MySQL client library reads; PyMySQL must not (no option file is named either)
    monkeypatch.setenv("MYSQL_HOST", "192.0.2.1")
    monkeypatch.setenv("MYSQL_TCP_PORT", "1")
    monkeypatch.setenv("MYSQL_UNIX_PORT", "/nonexistent/mysqld.sock")
    target = make_target("mariadb")
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([ROW]))
    assert target.loaded_batches("run-1") == {0: 1}
    assert target.reached() == ["mariadb://127.0.0.1:3306/test"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_target_says_where_it_actually_wrote(make_target, tmp_path, kind):
    target = make_target(kind)
    assert target.reached() == []  # nothing reached before the first connection
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([ROW]))
    target.close()
    target.prepare(create=False)  # a reconnection to the same place is named once
    expected = {
        "postgresql": "postgresql://127.0.0.1:5432/test",
        "mariadb": "mariadb://127.0.0.1:3306/test",
        "sqlite": f"sqlite:///{(tmp_path / 'target.sqlite').resolve()}",
        "parquet": str((tmp_path / "export.parquet").resolve()),
        "fhir": str((tmp_path / "export.fhir").resolve()),
    }[kind]
    assert target.reached() == [expected]


def test_a_sqlite_target_reached_through_a_link_names_the_file_itself(make_target, tmp_path):
    target = make_target("sqlite")
    target.prepare(create=True)
    target.close()
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "elsewhere" / "link.sqlite"
    link.symlink_to(tmp_path / "target.sqlite")
    through = open_target(f"sqlite:///{link}", target.table)
    try:
        through.prepare(create=False)
        assert through.reached() == [f"sqlite:///{(tmp_path / 'target.sqlite').resolve()}"]
    finally:
        through.close()
