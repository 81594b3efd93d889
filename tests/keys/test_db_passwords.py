"""Database passwords: kept wrapped by the key provider or read from the databases' own
environment, given only when connecting, never stored in clear nor shown. Real servers only:
the local keyring, an OpenBao dev server, PostgreSQL, and a MariaDB account with a password."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pymysql
import pytest
from sqlalchemy import select
from tests import mariadb
from tests.migrate.world import make_world

from sceau.audit.sink import AuditLog
from sceau.config import Settings
from sceau.keys import open_provider
from sceau.keys.base import KeyProvider, KeyProviderError
from sceau.keys.db_passwords import (
    MARIADB_ENV,
    DatabasePasswords,
    account,
    forget_password,
    store_password,
)
from sceau.migrate.pipeline import migrate
from sceau.sources.base import SourceError, open_source
from sceau.store import open_store
from sceau.store.schema import keys


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[object, AuditLog]]:
    settings = Settings(home=tmp_path / "home")
    engine = open_store(settings.store)
    yield engine, AuditLog.from_settings(settings, engine)
    engine.dispose()


@pytest.fixture(params=["local", "openbao"])
def provider(request: pytest.FixtureRequest) -> Iterator[KeyProvider]:
    settings = request.getfixturevalue(f"{request.param}_settings")
    opened = open_provider(settings)
    yield opened
    opened.close()


@pytest.fixture
def maria(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """(URL without password, password) of a MariaDB account and database of this test's own."""
    monkeypatch.delenv(MARIADB_ENV, raising=False)
    password = f"p@ss/w:rd %{secrets.token_hex(6)}"  # what a URL would have to escape
    with mariadb.account(
        password,
        "CREATE TABLE {db}.patients (nom TEXT, ville TEXT)",
        "INSERT INTO {db}.patients VALUES ('DUPONT', 'Lyon')",
    ) as url:
        yield url, password


def test_an_account_is_what_a_password_opens():
    same = {
        account("postgresql://lis@DB.example/lab"),
        account("postgres://lis@db.example:5432/lab#patients"),
        account("postgresql+psycopg://lis@db.example/lab?sslmode=require"),
    }
    assert same == {"postgresql://lis@db.example:5432/lab"}
    assert account("mysql://lis@db/lab") == account("mariadb://lis@db:3306/lab")
    assert account("mysql://lis@db/lab") != account("mysql://other@db/lab")
    assert account("mysql://lis@db/lab") != account("mysql://lis@db/other")
    for elsewhere in ("sqlite:///lab.db", "exports/lab-a.csv", "/srv/lab.parquet"):
        assert account(elsewhere) is None


def test_a_kept_password_is_given_when_connecting_and_stored_only_wrapped(store, provider):
    engine, events = store
    url = "postgresql://lis@db.example/lab"
    password = f"s3cret-{secrets.token_hex(8)}"
    key_id = store_password(provider, engine, events, url, password, actor="otto")
    with DatabasePasswords(engine, provider) as passwords:
        connect = passwords.connect_url(url)
        assert connect == f"postgresql://lis:{password}@db.example/lab"
        assert passwords.connect_url("postgres://lis@db.example:5432/lab") != url  # same account
        other = "postgresql://other@db.example/lab"
        assert passwords.connect_url(other) == other
        assert passwords.connect_url("exports/lab-a.csv") == "exports/lab-a.csv"
    with engine.connect() as connection:
        row = connection.execute(select(keys).where(keys.c.key_id == key_id)).mappings().one()
    assert row["purpose"] == "db-password"
    assert password.encode() not in row["wrapped"]
    assert "db.example" not in row["owner"]  # filed under a digest of the account
    trail = b"".join(events.entries())
    assert password.encode() not in trail
    assert b"db.example" not in trail

    again = f"n3w-{secrets.token_hex(8)}"
    store_password(provider, engine, events, url, again, actor="otto")
    assert not provider.exists(key_id)  # the old one is crypto-shredded
    with DatabasePasswords(engine, provider) as passwords:
        assert again in passwords.connect_url(url)
    assert forget_password(provider, engine, events, url, actor="otto") == 1
    with DatabasePasswords(engine, provider) as passwords:
        assert passwords.connect_url(url) == url
    assert forget_password(provider, engine, events, url, actor="otto") == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://lis:s3cret@db/lab", "without its password"),
        ("sqlite:///srv/lab.db", "only a PostgreSQL or MariaDB URL"),
        ("exports/lab-a.csv", "only a PostgreSQL or MariaDB URL"),
    ],
)
def test_a_password_is_kept_only_for_a_database_url_without_one(store, url, message, tmp_path):
    engine, events = store
    provider = open_provider(Settings(home=tmp_path, keyring_passphrase="keyring for tests"))
    with pytest.raises(KeyProviderError, match=message) as caught:
        store_password(provider, engine, events, url, "secret", actor="otto")
    assert "s3cret" not in str(caught.value)


def test_the_provider_is_opened_only_when_a_password_is_kept(store):
    engine, _ = store

    def refuse() -> KeyProvider:
        raise AssertionError("no password is kept: the provider must not be opened")

    with DatabasePasswords(engine, refuse) as passwords:
        assert passwords.connect_url("postgresql://lis@db/lab") == "postgresql://lis@db/lab"


def test_postgresql_gets_the_kept_password_and_libpq_its_own(store, monkeypatch, tmp_path):
    engine, events = store
    provider = open_provider(Settings(home=tmp_path, keyring_passphrase="keyring for tests"))
    url = "postgresql://postgres@127.0.0.1:5432/test"
    password = f"s3cret-{secrets.token_hex(6)}"
    store_password(provider, engine, events, url, password, actor="otto")
    with DatabasePasswords(engine, provider) as passwords:
        connect = passwords.connect_url(url)
    with psycopg.connect(connect) as connection:
        assert connection.info.password == password
    forget_password(provider, engine, events, url, actor="otto")
    passfile = tmp_path / "pgpass"  # what libpq reads by itself: ~/.pgpass, or PGPASSFILE
    passfile.write_text("127.0.0.1:5432:test:postgres:from-the-pgpass-file\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    with DatabasePasswords(engine, provider) as passwords:
        assert passwords.connect_url(url) == url
    with psycopg.connect(url) as connection:
        assert connection.info.password == "from-the-pgpass-file"
    monkeypatch.setenv("PGPASSWORD", "from-the-environment")
    with psycopg.connect(url) as connection:
        assert connection.info.password == "from-the-environment"
    provider.close()


def test_mariadb_without_its_password_is_refused_without_a_word_of_it(maria):
    url, password = maria
    with pytest.raises(SourceError) as caught:
        list(open_source(url).tables())
    assert password not in str(caught.value)


def test_mariadb_reads_mysql_pwd_as_its_own_clients_do(store, maria, monkeypatch):
    engine, _ = store
    url, password = maria
    monkeypatch.setenv(MARIADB_ENV, password)
    with DatabasePasswords(engine, lambda: pytest.fail("nothing is kept")) as passwords:
        (table,) = open_source(passwords.connect_url(url)).tables()
    assert password not in table.name
    assert table.name.endswith("#patients")


def test_a_migration_into_mariadb_with_a_kept_password_never_stores_it(maria, tmp_path):
    """The mandate names the account; the keyring holds its password; nothing else does."""
    url, password = maria
    world = make_world(tmp_path / "home", patients=60)
    store_password(world.provider, world.engine, world.events, url, password, actor="op.durand")
    mandate = world.signed_mandate(destination=url, table="lis")
    outcome = migrate(world.session(), mandate)
    assert outcome.status == "shredded"
    assert outcome.destination == url
    root = pymysql.connect(host="127.0.0.1", user="root", database=url.rsplit("/", 1)[1])
    with root.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM lis")
        assert cursor.fetchone()[0] == outcome.loaded.rows > 0
    root.close()
    world.engine.dispose()
    for path in (world.home).rglob("*"):  # the store, the keyring, the trail, the reports
        if path.is_file():
            assert password.encode() not in path.read_bytes(), path
