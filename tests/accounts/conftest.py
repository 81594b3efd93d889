"""Accounts against real state stores: SQLite in tmp_path, and PostgreSQL in a schema of its own.

Each PostgreSQL test gets a fresh schema (dropped afterwards), so the bootstrap rule — the first
account of an empty store must be an admin — holds there too, and parallel workers never meet.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from tests.postgres import schema_url

from sceau.accounts import PasswordParams, Role, add_user
from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog
from sceau.config import Settings, load_settings
from sceau.store import open_store

CHEAP = PasswordParams(time_cost=1, memory_cost=8, parallelism=1)  # tests only
ADMIN_PASSWORD = "admin: correct horse battery staple"
# for tests of rules that do not depend on the database: one state store is enough
SQLITE_ONLY = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


@pytest.fixture
def params() -> PasswordParams:
    return CHEAP


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings({"SCEAU_HOME": str(tmp_path / "home")})


@pytest.fixture
def sqlite_engine(settings: Settings) -> Iterator[Engine]:
    engine = open_store(settings.store)
    yield engine
    engine.dispose()


@pytest.fixture
def postgresql_engine() -> Iterator[Engine]:
    with schema_url("sceau_accounts") as url:
        engine = open_store(url)
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The state store, once as SQLite and once as PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def events(engine: Engine) -> AuditLog:
    return AuditLog(engine, AuditKey.generate())


@pytest.fixture
def admin(engine: Engine, events: AuditLog, params: PasswordParams) -> str:
    """The bootstrap admin's name."""
    add_user(
        engine, events, "root.admin", Role.ADMIN, ADMIN_PASSWORD, by="root.admin", params=params
    )
    return "root.admin"


def recorded(engine: Engine) -> list[dict[str, object]]:
    """Every event row, as the audit trail holds it."""
    log = AuditLog(engine, AuditKey.generate())  # reads only
    return [{"name": e.name, "actor": e.actor, **e.payload} for e in log.read()]


def dump(engine: Engine, table: object) -> str:
    """A whole table as text, to search for what must not be there."""
    with engine.connect() as connection:
        rows = connection.execute(select(table)).all()  # type: ignore[arg-type]
    return json.dumps([[str(value) for value in row] for row in rows])
