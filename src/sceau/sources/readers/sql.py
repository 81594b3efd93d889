"""Database tables through SQLAlchemy Core: SQLite files, PostgreSQL and MariaDB/MySQL URLs.

A URL ending in ``#table`` reads that table, else every table (PostgreSQL: of the ``public``
schema unless ``#schema.table`` names another). Values are cast to text by the database itself,
in one expression per column, and rows stream through a server-side cursor, so memory stays
bounded by the batch size. Errors name the URL without its password and never repeat what the
driver said (it may quote the password or a value).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from sceau.sources.base import (
    DEFAULT_BATCH_ROWS,
    Source,
    SourceError,
    Table,
    redact_url,
    register,
)
from sceau.sources.readers._arrow import string_batch
from sceau.sources.readers._sql_errors import explain

_SQLITE_MAGIC = b"SQLite format 3\x00"
_EXACT_COUNT_BYTES = 256 << 20  # PostgreSQL: count(*) unanalysed tables up to this size


class _SqlSource(Source):
    """What every database reader shares; subclasses say how to connect and cast."""

    drivers: ClassVar[dict[str, str]] = {}  # scheme -> SQLAlchemy driver URL scheme
    default_schema: ClassVar[str | None] = None

    def __init__(
        self, location: str, *, batch_rows: int = DEFAULT_BATCH_ROWS, **options: Any
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.url, _, self.table = _split_fragment(location)
        self.display = redact_url(self.url)
        self._engine: sa.Engine | None = None

    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> sa.Engine:
        scheme, rest = self.url.split("://", 1)
        driver = self.drivers.get(scheme.lower(), scheme)
        try:
            return sa.create_engine(f"{driver}://{rest}", poolclass=NullPool)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError):
            raise SourceError(
                "cannot understand this database URL",
                hint="write it as postgresql://user@host:5432/database or "
                "mysql://user@host:3306/database",
                where=self.display,
            ) from None

    def tables(self) -> Iterator[Table]:
        with self._connect() as connection:
            found = self._table_names(connection)
            layouts = [
                (schema, name, self._columns(connection, schema, name)) for schema, name in found
            ]
            counts = [self._guarded(self._count, connection, s, n) for s, n, _ in layouts]
        for (schema, name, columns), count in zip(layouts, counts, strict=True):
            shown = name if schema in (None, self.default_schema) else f"{schema}.{name}"
            yield Table(
                name=f"{self.display}#{shown}",
                batches=lambda s=schema, n=name, c=columns: self._batches(s, n, c),
                expected_rows=count,
            )

    def _connect(self) -> sa.Connection:
        try:
            return self.engine().connect()
        except sa.exc.DBAPIError as error:
            raise explain(error, self.display) from None

    def _guarded(self, function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except sa.exc.DBAPIError as error:
            raise explain(error, self.display) from None

    def _table_names(self, connection: sa.Connection) -> list[tuple[str | None, str]]:
        inspector = sa.inspect(connection)
        schema = self.default_schema
        try:
            if not self.table:
                return [(schema, name) for name in sorted(inspector.get_table_names(schema))]
            for candidate_schema, name in _candidates(self.table, schema):
                if inspector.has_table(name, candidate_schema):
                    return [(candidate_schema, name)]
        except sa.exc.DBAPIError as error:
            raise explain(error, self.display) from None
        raise SourceError(
            "no such table in this database",
            hint="check the name after # (names are case-sensitive), or leave it out to "
            "read every table",
            where=f"{self.display}#{self.table}",
        )

    def _columns(self, connection: sa.Connection, schema: str | None, name: str) -> list[Any]:
        try:
            columns = sa.inspect(connection).get_columns(name, schema)
        except sa.exc.DBAPIError as error:
            raise explain(error, self.display) from None
        return [self._as_text(column["name"], column["type"]) for column in columns]

    def _as_text(self, name: str, kind: Any) -> Any:
        """A select expression that gives the column as text, computed by the database."""
        return sa.cast(sa.column(name), sa.Text).label(name)

    def _count(self, connection: sa.Connection, schema: str | None, name: str) -> int | None:
        query = sa.select(sa.func.count()).select_from(sa.table(name, schema=schema))
        return int(connection.execute(query).scalar_one())

    def _batches(
        self, schema: str | None, name: str, columns: list[Any]
    ) -> Iterator[pa.RecordBatch]:
        names = [column.name for column in columns]
        query = sa.select(*columns).select_from(sa.table(name, schema=schema))
        try:
            with self._connect() as connection:
                result = connection.execution_options(
                    stream_results=True, max_row_buffer=self.batch_rows
                ).execute(query)
                for rows in result.partitions(self.batch_rows):
                    values = [list(column) for column in zip(*rows, strict=True)]
                    yield string_batch(names, values)
        except sa.exc.DBAPIError as error:
            raise explain(error, f"{self.display}#{name}") from None


@register
class PostgresSource(_SqlSource):
    """PostgreSQL, through psycopg 3."""

    kind = "postgresql"
    schemes = ("postgresql", "postgres")
    drivers: ClassVar[dict[str, str]] = {
        "postgresql": "postgresql+psycopg",
        "postgres": "postgresql+psycopg",
    }
    default_schema = "public"

    def _count(self, connection: sa.Connection, schema: str | None, name: str) -> int | None:
        """The planner's estimate when the table was analysed, else count(*) if small."""
        statistics = sa.text(
            "SELECT c.reltuples::bigint, pg_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relname = :name"
        )
        row = connection.execute(statistics, {"schema": schema, "name": name}).first()
        if row is not None and row[0] >= 0:
            return int(row[0])
        if row is not None and row[1] > _EXACT_COUNT_BYTES:
            return None
        return super()._count(connection, schema, name)


@register
class MariadbSource(_SqlSource):
    """MariaDB and MySQL, through PyMySQL."""

    kind = "mariadb"
    schemes = ("mysql", "mariadb")
    drivers: ClassVar[dict[str, str]] = {
        "mysql": "mysql+pymysql",
        "mariadb": "mariadb+pymysql",
    }

    def _as_text(self, name: str, kind: Any) -> Any:
        if _is_binary(kind):
            return sa.func.hex(sa.column(name)).label(name)
        return super()._as_text(name, kind)

    def _count(self, connection: sa.Connection, schema: str | None, name: str) -> int | None:
        """information_schema's estimate (InnoDB samples it); no full count."""
        query = sa.text(
            "SELECT TABLE_ROWS FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :name"
        )
        value = connection.execute(query, {"name": name}).scalar()
        return None if value is None else int(value)


@register
class SqliteSource(_SqlSource):
    """A SQLite database file, opened read-only (a missing file is never created)."""

    kind = "sqlite"
    suffixes = (".sqlite", ".sqlite3", ".db")
    schemes = ("sqlite",)

    def __init__(
        self, location: str, *, batch_rows: int = DEFAULT_BATCH_ROWS, **options: Any
    ) -> None:
        super().__init__(location, batch_rows=batch_rows, **options)
        path = self.url.split("://", 1)[1][1:] if "://" in self.url else self.url
        self.path = Path(path)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(_SQLITE_MAGIC)

    def _create_engine(self) -> sa.Engine:
        if not self.path.is_file():
            raise SourceError("no such SQLite file", hint="check the path", where=str(self.display))
        uri = f"{self.path.resolve().as_uri()}?mode=ro".replace("file://", "file:", 1)
        return sa.create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
            poolclass=NullPool,
        )

    def _as_text(self, name: str, kind: Any) -> Any:
        column = sa.column(name)
        return sa.case(
            (sa.func.typeof(column) == "blob", sa.func.hex(column)),
            else_=sa.cast(column, sa.Text),
        ).label(name)


def _is_binary(kind: Any) -> bool:
    try:
        return kind.python_type is bytes
    except NotImplementedError:
        return False


def _split_fragment(location: str) -> tuple[str, str, str]:
    """``url#table`` -> (url, "#", table); a ``#`` inside the password is left alone."""
    url, mark, table = location.rpartition("#")
    if not mark or "@" in table or "/" in table or not table:
        return location, "", ""
    return url, mark, table


def _candidates(table: str, schema: str | None) -> list[tuple[str | None, str]]:
    """Where ``#name`` may live: the default schema, else ``schema.name`` split at the dot."""
    found: list[tuple[str | None, str]] = [(schema, table)]
    if "." in table:
        other, name = table.split(".", 1)
        found.append((other, name))
    return found
