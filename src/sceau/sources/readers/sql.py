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
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from sceau.sources.base import (
    DEFAULT_BATCH_ROWS,
    Opener,
    Source,
    SourceError,
    Table,
    skipped_for,
)
from sceau.sources.names import unique_names
from sceau.sources.readers._arrow import string_batch
from sceau.sources.readers._sql_errors import explain
from sceau.urls import redact_url

_SQLITE_MAGIC = b"SQLite format 3\x00"
_EXACT_COUNT_BYTES = 256 << 20  # PostgreSQL: count(*) unanalysed tables up to this size


@dataclass(frozen=True)
class _Layout:
    """One table to read: where it is, its columns as the database names them, its count."""

    schema: str | None
    name: str
    columns: list[tuple[str, bool]]  # (name, holds bytes)
    count: int | None


class _SqlSource(Source):
    """What every database reader shares; subclasses say how to connect and cast.

    Names are quoted by the dialect's own identifier preparer (``quoted_name(..., quote=True)``),
    so a column named with a backtick (MariaDB), a double quote (PostgreSQL) or either (SQLite)
    is read like any other. Columns are labelled with their cleaned names
    (:mod:`sceau.sources.names`).
    """

    drivers: ClassVar[dict[str, str]] = {}  # scheme -> SQLAlchemy driver URL scheme
    default_schema: ClassVar[str | None] = None

    def __init__(
        self, location: str | Opener, *, batch_rows: int = DEFAULT_BATCH_ROWS, **_options: Any
    ) -> None:
        super().__init__(location, batch_rows=batch_rows)
        self.url, _, self.table = _split_fragment(self.location)
        self.display = redact_url(self.url)
        self._engine: sa.Engine | None = None

    @property
    def collection(self) -> bool:
        return not self.table  # every table of the database: one that cannot be read is skipped

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
        self.skipped.clear()
        layouts: list[_Layout] = []
        with self._connect() as connection:
            for schema, name in self._table_names(connection):
                try:
                    columns = self._guarded(self._columns, connection, schema, name)
                    count = self._guarded(self._count, connection, schema, name)
                except SourceError as error:
                    if not self.collection:
                        raise
                    connection.rollback()  # PostgreSQL refuses more in a failed transaction
                    self.skipped.append(skipped_for(error, self._shown(schema, name)))
                    continue
                layouts.append(_Layout(schema, name, columns, count))
        for layout in layouts:
            yield Table(
                name=self._shown(layout.schema, layout.name),
                batches=partial(self._batches, layout),
                expected_rows=layout.count,
            )

    def _shown(self, schema: str | None, name: str) -> str:
        shown = name if schema in (None, self.default_schema) else f"{schema}.{name}"
        return f"{self.display}#{shown}"

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
        except sa.exc.NoSuchTableError:  # dropped between the listing and the reading
            raise SourceError(
                "the table was dropped while the database was being read",
                hint="scan again; if tables come and go here, name the one to read (URL#table)",
                where=self.display,
            ) from None

    def _table_names(self, connection: sa.Connection) -> list[tuple[str | None, str]]:
        inspector = sa.inspect(connection)
        schema = self.default_schema
        try:
            if not self.table:
                # Views too: a view shows rows as surely as a table does.
                names = {*inspector.get_table_names(schema), *inspector.get_view_names(schema)}
                return [(schema, name) for name in sorted(names)]
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

    def _columns(
        self, connection: sa.Connection, schema: str | None, name: str
    ) -> list[tuple[str, bool]]:
        """(name, holds bytes) of every column, in the table's order."""
        columns = sa.inspect(connection).get_columns(name, schema)
        return [(column["name"], _is_binary(column["type"])) for column in columns]

    def _as_text(self, column: sa.ColumnClause[Any], binary: bool) -> Any:  # noqa: ARG002
        """An expression that gives the column as text, computed by the database (``binary``:
        whether it holds bytes, which only some databases need to know)."""
        return sa.cast(column, sa.Text)

    def _count(self, connection: sa.Connection, schema: str | None, name: str) -> int | None:
        query = sa.select(sa.func.count()).select_from(_table(schema, name))
        return int(connection.execute(query).scalar_one())

    def _batches(self, layout: _Layout) -> Iterator[pa.RecordBatch]:
        names = unique_names(name for name, _ in layout.columns)
        selected = [
            self._as_text(sa.column(sa.sql.quoted_name(name, quote=True)), binary).label(label)
            for (name, binary), label in zip(layout.columns, names, strict=True)
        ]
        query = sa.select(*selected).select_from(_table(layout.schema, layout.name))
        try:
            with self._connect() as connection:
                result = connection.execution_options(
                    stream_results=True, max_row_buffer=self.batch_rows
                ).execute(query)
                for rows in result.partitions(self.batch_rows):
                    values = [list(column) for column in zip(*rows, strict=True)]
                    yield string_batch(names, values)
        except sa.exc.DBAPIError as error:
            raise explain(error, self._shown(layout.schema, layout.name)) from None


def _table(schema: str | None, name: str) -> sa.TableClause:
    """A table named exactly as the database names it, quoted by the dialect."""
    quoted = None if schema is None else sa.sql.quoted_name(schema, quote=True)
    return sa.table(sa.sql.quoted_name(name, quote=True), schema=quoted)


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


class MariadbSource(_SqlSource):
    """MariaDB and MySQL, through PyMySQL."""

    kind = "mariadb"
    schemes = ("mysql", "mariadb")
    drivers: ClassVar[dict[str, str]] = {
        "mysql": "mysql+pymysql",
        "mariadb": "mariadb+pymysql",
    }

    def _columns(
        self,
        connection: sa.Connection,
        schema: str | None,  # noqa: ARG002  (MariaDB reads the URL's database: DATABASE())
        name: str,
    ) -> list[tuple[str, bool]]:
        """From information_schema: SQLAlchemy's reflection parses SHOW CREATE TABLE and gives
        a name holding a backtick still escaped (two backticks)."""
        query = sa.text(
            "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :name ORDER BY ORDINAL_POSITION"
        )
        rows = connection.execute(query, {"name": name}).all()
        if not rows:  # every table has a column: this one is gone since it was listed
            raise sa.exc.NoSuchTableError(name)
        return [(column, kind.lower() in _MARIADB_BINARY) for column, kind in rows]

    def _as_text(self, column: sa.ColumnClause[Any], binary: bool) -> Any:
        return sa.func.hex(column) if binary else super()._as_text(column, binary)

    def _count(
        self,
        connection: sa.Connection,
        schema: str | None,  # noqa: ARG002  (MariaDB reads the URL's database: DATABASE())
        name: str,
    ) -> int | None:
        """information_schema's estimate (InnoDB samples it); no full count."""
        query = sa.text(
            "SELECT TABLE_ROWS FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :name"
        )
        value = connection.execute(query, {"name": name}).scalar()
        return None if value is None else int(value)


_MARIADB_BINARY = frozenset({"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"})


class SqliteSource(_SqlSource):
    """A SQLite database file, opened read-only (a missing file is never created).

    A database inside an archive comes as bytes in memory and is opened with
    ``sqlite3.Connection.deserialize``: nothing is written to disk.
    """

    kind = "sqlite"
    sniff_rank = 30  # a magic number: "SQLite format 3"
    suffixes = (".sqlite", ".sqlite3", ".db")
    random_access = True
    schemes = ("sqlite",)

    def __init__(
        self, location: str | Opener, *, batch_rows: int = DEFAULT_BATCH_ROWS, **options: Any
    ) -> None:
        super().__init__(location, batch_rows=batch_rows, **options)
        self.packed = location if isinstance(location, Opener) and location.path is None else None
        path = self.url.split("://", 1)[1][1:] if "://" in self.url else self.url
        self.path = Path(path)

    @classmethod
    def sniff(cls, head: bytes) -> bool:
        return head.startswith(_SQLITE_MAGIC)

    def _create_engine(self) -> sa.Engine:
        if self.packed is not None:
            creator = partial(self._deserialized, self.packed)
            return sa.create_engine("sqlite://", creator=creator, poolclass=NullPool)
        if not self.path.is_file():
            raise SourceError("no such SQLite file", hint="check the path", where=str(self.display))
        uri = f"{self.path.resolve().as_uri()}?mode=ro".replace("file://", "file:", 1)
        return sa.create_engine(
            "sqlite://",
            creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
            poolclass=NullPool,
        )

    @staticmethod
    def _deserialized(member: Opener) -> sqlite3.Connection:
        with member.stream() as handle:
            data = handle.read()
        connection = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            connection.deserialize(data)
        except sqlite3.DatabaseError:
            connection.close()
            raise
        connection.execute("PRAGMA query_only = ON")
        return connection

    def _as_text(self, column: sa.ColumnClause[Any], binary: bool) -> Any:  # noqa: ARG002
        # SQLite types each value, not the column: its blobs are found value by value
        return sa.case(
            (sa.func.typeof(column) == "blob", sa.func.hex(column)),
            else_=sa.cast(column, sa.Text),
        )


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
