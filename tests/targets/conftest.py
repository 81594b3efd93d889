"""Targets under test: each of the five kinds, on the real servers or in tmp_path, cleaned up."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pyarrow as pa
import pymysql
import pytest

from sceau.targets import Target, TargetTable, open_target

PG = "postgresql://postgres@127.0.0.1:5432/test"
MY = "mysql://root@127.0.0.1:3306/test"
KINDS = ["postgresql", "mariadb", "sqlite", "parquet", "fhir"]
SQL_KINDS = ["postgresql", "mariadb", "sqlite"]
COLUMNS = ("identifier[0].value", "name[0].family", "name[0].given[0]", "gender", "note[0].text")
NASTY = [
    "LÉGER Hélène",
    "🧬 séquençage",
    'il a dit "non"',
    "d'Artagnan; 3 rue \\ 4",
    "ligne 1\nligne 2\r\nligne 3",
    "tab\tbed",
    "\\.",
    "a\n\\.\nb",
    "NULL",
    "\\N",
    "",
    " ",
    "x" * 5000,
]


def batch(rows: list[tuple[str | None, ...]], columns: tuple[str, ...] = COLUMNS) -> pa.RecordBatch:
    """A batch of string columns from row tuples."""
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    return pa.RecordBatch.from_arrays(
        [pa.array(list(column), pa.string()) for column in values], names=list(columns)
    )


def rows_of(target: Target) -> list[tuple[str | None, ...]]:
    """Every row the target reads back, checking the batches' shape on the way."""
    found = []
    for chunk in target.read_rows():
        assert chunk.schema.names == list(target.table.columns)
        assert all(field.type == pa.string() for field in chunk.schema)
        found.extend(tuple(row.values()) for row in chunk.to_pylist())
    return found


def unique(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def connect_my() -> pymysql.Connection:
    """An autocommitting connection to the test MariaDB, as another program's."""
    return pymysql.connect(host="127.0.0.1", user="root", database="test", autocommit=True)


def quoted(kind: str, name: str) -> str:
    """A name quoted as the kind's SQL quotes it, whatever it holds."""
    mark = "`" if kind == "mariadb" else '"'
    return mark + name.replace(mark, mark * 2) + mark


def execute_on(target: Target, *statements: str) -> None:
    """Run statements on a SQL target's database as another program would."""
    if target.kind == "postgresql":
        with psycopg.connect(PG, autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)
    elif target.kind == "mariadb":
        connection = connect_my()
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()
    else:
        connection = sqlite3.connect(target.path, isolation_level=None)
        try:
            for statement in statements:
                connection.execute(statement)
        finally:
            connection.close()


def drop_pg(name: str) -> None:
    with psycopg.connect(PG, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {quoted('postgresql', name)}")
        if connection.execute("SELECT to_regclass('sceau_checkpoints')").fetchone()[0]:
            connection.execute("DELETE FROM sceau_checkpoints WHERE table_name = %s", [name])


def drop_my(name: str) -> None:
    connection = connect_my()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {quoted('mariadb', name)}")
            cursor.execute("SHOW TABLES LIKE 'sceau_checkpoints'")
            if cursor.fetchone():
                cursor.execute("DELETE FROM sceau_checkpoints WHERE table_name = %s", [name])
    finally:
        connection.close()


MakeTarget = Callable[..., Target]


@pytest.fixture
def make_target(tmp_path) -> Iterator[MakeTarget]:
    """``make_target(kind, columns=COLUMNS, name=None)``: a target nobody else uses."""
    opened: list[Target] = []
    tables: list[tuple[str, str]] = []

    def make(kind: str, columns: tuple[str, ...] = COLUMNS, name: str | None = None) -> Target:
        table = name or ("Patient" if kind == "fhir" else unique())
        location = {
            "postgresql": PG,
            "mariadb": MY,
            "sqlite": f"sqlite:///{tmp_path / 'target.sqlite'}",
            "parquet": str(tmp_path / "export.parquet"),
            "fhir": str(tmp_path / "export.fhir"),
        }[kind]
        target = open_target(location, TargetTable(table, columns))
        assert target.kind == kind
        opened.append(target)
        if table != "sceau_checkpoints":  # shared by every test: never dropped
            tables.append((kind, table))
        return target

    yield make
    for target in opened:
        target.close()
    for kind, table in tables:
        if kind == "postgresql":
            drop_pg(table)
        elif kind == "mariadb":
            drop_my(table)
