"""SQL targets: what PostgreSQL, MariaDB and SQLite share; each says how it connects, describes
a table, loads rows in bulk and names its errors.

A batch's rows and its row in ``sceau_checkpoints`` commit in one transaction. The checkpoint is
claimed first: a batch already recorded (or being loaded by another connection, which the claim
waits for) is skipped after checking its row count, so a batch is never loaded twice. Names are
quoted exactly as the mandate spells them. A driver's error becomes a TargetError by its code:
the driver's own text, which may quote a value or a password, is never shown.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa

from sceau.targets._checks import (
    CHECKPOINTS,
    check_batch_no,
    check_names,
    check_run_id,
    string_batch,
    text_columns,
)
from sceau.targets.base import Target, TargetError, TargetTable

Connection = Any  # the driver's: psycopg, PyMySQL or sqlite3, all DB-API
Cursor = Any
Load = Callable[[Cursor, Callable[[int], None]], None]  # (cursor, rows written so far)
PART_ROWS = 16_384  # a batch goes out in parts of this many rows, each reported as written

LOST = (
    "the target database went away",
    "check that the server runs and is reachable, then resume the run: a batch is loaded "
    "whole or not at all",
)
_READ_ROWS = 10_000
_CHECKPOINT_COLUMNS = ("run_id", "table_name", "batch", "rows", "at")


def refused(error: Exception, code: object) -> tuple[str, str]:
    """Message and hint for a driver error no dialect names: its class and code, no text."""
    detail = f"{type(error).__name__} {code}" if code else type(error).__name__
    return (
        f"the database refused the operation ({detail})",
        "check the user's rights and the server's log",
    )


class SqlTarget(Target):
    """A table of text columns in a SQL database, with sceau's checkpoint table beside it."""

    driver_error: ClassVar[type[Exception]]  # the driver's error base
    quote: ClassVar[str] = '"'  # quotes a name; doubled inside it
    mark: ClassVar[str] = "?"  # the driver's parameter marker: "?" or "%s"
    begin: ClassVar[str] = "BEGIN"
    #: the SQL type of the table's columns ("text") and of each checkpoint column
    types: ClassVar[dict[str, str]]
    now: ClassVar[str]  # the checkpoint's "at" default
    table_options: ClassVar[str] = ""  # what follows CREATE TABLE (...): engine, character set
    names_ignore_case: ClassVar[bool] = False
    text_name: ClassVar[str] = "text"  # how messages name the text type
    create_hint: ClassVar[str]  # how an operator creates the table themselves
    retype_hint: ClassVar[str]  # what to do about a column that is not text
    read_as: ClassVar[str] = "{}"  # how read_rows selects a column: "CAST({} AS TEXT)"

    def __init__(self, location: str, table: TargetTable) -> None:
        super().__init__(location, table)
        self.where = f"{self.display}#{table.name}"
        self._connection: Connection | None = None
        self._reached: list[str] = []
        self._names = self._name_map(self._quote)
        # a driver with "%s" markers reads "%%" as "%" in a statement that has parameters
        self._escaped = (
            self._name_map(lambda name: self._quote(name).replace("%", "%%"))
            if self.mark == "%s"
            else self._names
        )

    def reached(self) -> list[str]:
        return list(self._reached)

    def check_place(self) -> None:
        parts = urlsplit(self.location)
        host = parts.hostname or parse_qs(parts.query).get("host", [""])[0]
        if not host or not parts.path.strip("/"):
            raise TargetError(
                "the URL does not name both the server and the database: the account that runs "
                "the migration would fill in its own",
                hint=f"write it whole: {self.kind}://user@host:port/database",
                where=self.display,
            )

    # --- what each dialect says -----------------------------------------------------------

    @abstractmethod
    def _open(self) -> Connection:
        """A new autocommitting connection; driver errors are explained by the caller."""

    @abstractmethod
    def _place(self, connection: Connection) -> str:
        """Where ``connection`` is, as the driver and the server say (address, port,
        database), not as the URL asked."""

    @abstractmethod
    def _diagnose(self, error: Exception, *, connecting: bool) -> tuple[str, str]:
        """Message and hint for a driver error, from its code."""

    @abstractmethod
    def _layout(self, cursor: Cursor) -> list[tuple[str, str | None]] | None:
        """Each column's name and, if it is not text, what it is ("of type integer"); None if
        there is no such table. Raises if the name is a view or a table sceau cannot load."""

    @abstractmethod
    def _loader(self, columns: list[pa.Array[Any]]) -> Load:
        """The batch ready to load (checked, encoded: before the transaction starts), as a
        function that loads it through a cursor."""

    def _alive(self, connection: Connection) -> bool:  # noqa: ARG002  (a hook: no check here)
        return True

    def _lost(self, connection: Connection, error: Exception) -> bool:  # noqa: ARG002  (a hook)
        """Whether a driver error left the connection unusable: it is then dropped."""
        return False

    def _name_problem(self, name: str) -> str | None:  # noqa: ARG002  (a hook: any name)
        """Why this database cannot hold a table or column name, or None."""
        return None

    def _before_ddl(self, cursor: Cursor) -> None:
        """Checks and locks at the start of prepare's transaction."""

    def _claim(self, cursor: Cursor, key: Sequence[object], rows: int) -> bool:
        """Record the batch's checkpoint; False if it was recorded already."""
        self._run(
            cursor,
            "INSERT INTO {checkpoints} ({run_id}, {table_name}, {batch}, {rows}) "
            "VALUES ({p}, {p}, {p}, {p}) ON CONFLICT DO NOTHING",
            [*key, rows],
        )
        inserted: int = cursor.rowcount
        return inserted == 1

    def _read_cursor(self, connection: Connection) -> Cursor:
        return connection.cursor()

    def _read(self, cursor: Cursor) -> Iterator[pa.RecordBatch]:
        """Every row of the table, as string batches."""
        self._run(cursor, "SELECT {reads} FROM {table}")
        while rows := cursor.fetchmany(_READ_ROWS):
            yield string_batch(self.table.columns, zip(*rows, strict=True))

    # --- the contract ---------------------------------------------------------------------

    def check_table(self) -> None:
        fold = str.lower if self.names_ignore_case else str
        check_names(self.table, self.where, valid=self._name_problem, fold=fold)

    def prepare(self, *, create: bool) -> None:
        self.check_table()
        with (
            self._guard() as connection,
            closing(connection.cursor()) as cursor,
            self._transaction(cursor),
        ):
            self._before_ddl(cursor)
            checkpoint = ", ".join(f"{{{c}}} {self.types[c]} NOT NULL" for c in _CHECKPOINT_COLUMNS)
            self._run(  # "at", the last checkpoint column, defaults to now
                cursor,
                f"CREATE TABLE IF NOT EXISTS {{checkpoints}} ({checkpoint} DEFAULT {self.now}, "
                f"PRIMARY KEY ({{run_id}}, {{table_name}}, {{batch}})){self.table_options}",
            )
            layout = self._layout(cursor)
            if layout is None and not create:
                raise TargetError(
                    "the target table does not exist", hint=self.create_hint, where=self.where
                )
            if layout is None:  # IF NOT EXISTS, and checked: another run may have made it
                self._run(
                    cursor,
                    f"CREATE TABLE IF NOT EXISTS {{table}} ({{typed_columns}}){self.table_options}",
                )
                layout = self._layout(cursor) or []
            self._check_layout(layout)
            self._run(
                cursor,
                "SELECT (SELECT count(*) FROM {table}), (SELECT coalesce(sum({rows}), 0) "
                "FROM {checkpoints} WHERE {table_name} = {p})",
                [self.table.name],
            )
            rows, recorded = cursor.fetchone()
            if int(rows) != int(recorded):  # a run starts on an empty table
                raise TargetError(
                    f"the target table holds {rows} rows but sceau recorded loading {recorded}",
                    hint="load into an empty table: empty this one, or choose another name",
                    where=self.where,
                )

    def _check_layout(self, layout: list[tuple[str, str | None]]) -> None:
        if [name for name, _ in layout] != list(self.table.columns):
            raise TargetError(
                "the target table exists with other columns than the mandate's",
                hint="load into a new table, or drop this one if it is not needed",
                where=self.where,
            )
        for name, problem in layout:
            if problem:
                raise TargetError(
                    f"the column {name!r} is {problem}, not {self.text_name}",
                    hint=self.retype_hint,
                    where=self.where,
                )

    def loaded_batches(self, run_id: str) -> dict[int, int]:
        check_run_id(run_id, self.where)
        with self._guard() as connection, closing(connection.cursor()) as cursor:
            self._run(
                cursor,
                "SELECT {batch}, {rows} FROM {checkpoints} WHERE {run_id} = {p} "
                "AND {table_name} = {p}",
                [run_id, self.table.name],
            )
            return {int(batch): int(rows) for batch, rows in cursor.fetchall()}

    def write_batch(self, run_id: str, batch_no: int, batch: pa.RecordBatch) -> None:
        check_run_id(run_id, self.where)
        check_batch_no(batch_no, self.where)
        load = self._loader(text_columns(batch, self.table, self.where))
        key = (run_id, self.table.name, batch_no)
        with (
            self._guard() as connection,
            closing(connection.cursor()) as cursor,
            self._transaction(cursor),
        ):
            if not self._claim(cursor, key, batch.num_rows):
                self._check_recorded(cursor, key, batch.num_rows)
                return
            if batch.num_rows:
                load(cursor, self.rows_written)

    def _check_recorded(self, cursor: Cursor, key: Sequence[object], rows: int) -> None:
        self._run(
            cursor,
            "SELECT {rows} FROM {checkpoints} WHERE {run_id} = {p} AND {table_name} = {p} "
            "AND {batch} = {p}",
            key,
        )
        recorded = cursor.fetchone()
        if recorded is not None and int(recorded[0]) != rows:
            raise TargetError(
                f"batch {key[2]} of run {key[0]} was loaded with {recorded[0]} rows, not {rows}",
                hint="the staged batch changed since it was loaded: verify the run",
                where=self.where,
            )

    def read_rows(self) -> Iterator[pa.RecordBatch]:
        try:
            with self._guard() as connection, closing(self._read_cursor(connection)) as cursor:
                yield from self._read(cursor)
        except GeneratorExit:  # the reader stopped early: unread rows may be on the wire
            self._drop()
            raise

    def close(self) -> None:
        self._drop()

    # --- connection, statements, transactions ---------------------------------------------

    def _connect(self) -> Connection:
        if self._connection is not None and self._alive(self._connection):
            return self._connection
        self._connection = None
        try:
            self._connection = self._open()
            place = self._place(self._connection)
        except self.driver_error as error:
            self._drop()
            raise self._explain(error, connecting=True) from None
        if place not in self._reached:
            self._reached.append(place)
        return self._connection

    @contextmanager
    def _guard(self) -> Iterator[Connection]:
        """Driver errors become TargetErrors; a lost connection is dropped, to reconnect."""
        connection = self._connect()
        try:
            yield connection
        except self.driver_error as error:
            if self._lost(connection, error):
                self._drop()
            raise self._explain(error) from None

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(self.driver_error):  # already gone: nothing to release
                connection.close()

    def _explain(self, error: Exception, *, connecting: bool = False) -> TargetError:
        message, hint = self._diagnose(error, connecting=connecting)
        return TargetError(message, hint=hint, where=self.where)

    @contextmanager
    def _transaction(self, cursor: Cursor) -> Iterator[None]:
        """BEGIN ... COMMIT, rolled back on any failure (by the server if the link is gone)."""
        self._run(cursor, self.begin)
        try:
            yield
            self._run(cursor, "COMMIT")
        except BaseException:
            with suppress(self.driver_error):
                self._run(cursor, "ROLLBACK")
            raise

    def _name_map(self, quote: Callable[[str], str]) -> dict[str, str]:
        """What statements name, quoted once (a name may hold "{", "%" or a quote)."""
        columns = [quote(c) for c in self.table.columns]
        return {
            "p": self.mark,
            "table": quote(self.table.name),
            "columns": ", ".join(columns),
            "typed_columns": ", ".join(f"{c} {self.types['text']}" for c in columns),
            "reads": ", ".join(self.read_as.format(c) for c in columns),
            "checkpoints": quote(CHECKPOINTS),
            **{c: quote(c) for c in _CHECKPOINT_COLUMNS},
        }

    def _sql(self, statement: str, *, with_params: bool = False) -> str:
        """A statement written with {table}, {columns}, {typed_columns}, {reads},
        {checkpoints}, the checkpoint's column names, and {p} for a parameter."""
        return statement.format_map(self._escaped if with_params else self._names)

    def _run(self, cursor: Cursor, statement: str, params: Sequence[object] = ()) -> None:
        """Run a :meth:`_sql` statement, with parameters if it has any."""
        if params:
            cursor.execute(self._sql(statement, with_params=True), list(params))
        else:
            cursor.execute(self._sql(statement))

    def _quote(self, name: str) -> str:
        return self.quote + name.replace(self.quote, self.quote * 2) + self.quote
