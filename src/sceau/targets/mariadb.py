"""MariaDB (and MySQL): multi-row INSERTs in the transaction that records the batch.

The batch's SQL literals are built by Arrow compute in one pass per column, with PyMySQL's own
escape table (``\\0 \\\\ \\n \\r \\Z \\" \\'``), under a session ``sql_mode`` that sceau sets
itself: strict (a value that does not fit is an error, never a silent truncation) and without
NO_BACKSLASH_ESCAPES (which would change what the escapes mean). Rows go in statements of a few
MB, well under the server's ``max_allowed_packet``. The table is InnoDB, utf8mb4, LONGTEXT: a
table in an engine without transactions is refused, since a batch could then half-load.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pymysql
import pymysql.cursors

from sceau.targets._checks import (
    CHECKPOINTS,
    check_batch_no,
    check_names,
    check_run_id,
    string_batch,
    text_columns,
)
from sceau.targets.base import Target, TargetError, TargetTable

_STATEMENT_BYTES = 4 << 20  # rows per INSERT statement: about this many bytes
_READ_ROWS = 10_000
_MAX_NAME = 64
_SQL_MODE = "STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION"
_ESCAPES = (  # PyMySQL's escape table; the backslash first
    ("\\", "\\\\"),
    ("\0", "\\0"),
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("\x1a", "\\Z"),
    ('"', '\\"'),
    ("'", "\\'"),
)
_TEXT_TYPES = ("text", "mediumtext", "longtext")

_LOST = (
    "the target database went away",
    "check that the server runs and is reachable, then resume the run: a batch is loaded "
    "whole or not at all",
)
_CODES = {
    1045: ("the server refused this user name or password", "check the user and password"),
    1049: ("no such database on this server", "check the database name in the URL"),
    1044: (
        "permission denied: this user may not use this database",
        "grant CREATE, SELECT, INSERT on the database to this user",
    ),
    1142: (
        "permission denied: this user may not create or write the table",
        "grant CREATE, SELECT, INSERT on the database to this user",
    ),
    1060: (
        "two columns would be the same column in MariaDB (names ignore case and accents)",
        "give every target column a distinct name",
    ),
    1114: ("the target table is full", "free space on the server, then resume"),
    1021: ("the database server's disk is full", "free space on the server, then resume"),
    1205: ("the load waited too long for a lock", "resume the run"),
    1213: ("the load conflicted with another transaction", "resume the run"),
    1366: (
        "a value cannot be stored in this table's character set",
        "load into a table whose columns are utf8mb4",
    ),
    1153: (
        "a statement was larger than the server's max_allowed_packet",
        "raise max_allowed_packet on the server, then resume",
    ),
    2003: (
        "cannot reach the target database server",
        "check the host and port in the URL, and that the server runs and accepts connections",
    ),
}
_LOST_CODES = {1053, 1927, 2006, 2013, 2055, 4031}


class MariadbTarget(Target):
    """A MariaDB or MySQL table of LONGTEXT columns, through PyMySQL."""

    kind = "mariadb"
    schemes = ("mysql", "mariadb")

    def __init__(self, location: str, table: TargetTable) -> None:
        super().__init__(location, table)
        self.where = f"{self.display}#{table.name}"
        self._connection: pymysql.Connection | None = None
        self._packet = 0
        self._name = _quote(table.name)
        self._columns = ", ".join(_quote(c) for c in table.columns)

    # --- connection -----------------------------------------------------------------------

    def _connect(self) -> pymysql.Connection:
        if self._connection is not None and self._connection.open:
            return self._connection
        parts = urlsplit(self.location)
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise TargetError(
                "the URL names no database",
                hint="write it as mysql://user@host:3306/database",
                where=self.display,
            )
        query = parse_qs(parts.query)
        try:
            port = parts.port or 3306
        except ValueError:
            raise TargetError(
                "the URL's port is not a number", hint="check the URL", where=self.display
            ) from None
        try:
            self._connection = pymysql.connect(
                host=parts.hostname or "localhost",
                port=port,
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                database=database,
                unix_socket=query.get("unix_socket", [None])[0],
                charset="utf8mb4",
                autocommit=True,
                sql_mode=_SQL_MODE,
                connect_timeout=10,
                read_timeout=600,
                write_timeout=600,
            )
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT @@max_allowed_packet")
                (self._packet,) = cursor.fetchone()
        except pymysql.Error as error:
            self._drop()
            raise _explain(error, self.where) from None
        return self._connection

    @contextmanager
    def _guard(self) -> Iterator[pymysql.Connection]:
        """Driver errors become TargetErrors; a lost connection is dropped, to reconnect."""
        connection = self._connect()
        try:
            yield connection
        except pymysql.Error as error:
            if isinstance(error, pymysql.OperationalError | pymysql.InterfaceError):
                self._drop()
            raise _explain(error, self.where) from None

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and connection.open:
            with suppress(pymysql.Error):  # already gone: nothing to release
                connection.close()

    def close(self) -> None:
        self._drop()

    # --- the contract ---------------------------------------------------------------------

    def check_table(self) -> None:
        check_names(self.table, self.where, valid=_valid_name, fold=str.lower)

    def prepare(self, *, create: bool) -> None:
        self.check_table()
        with self._guard() as connection, connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {_quote(CHECKPOINTS)} ("
                "`run_id` VARCHAR(128) NOT NULL, `table_name` VARCHAR(64) NOT NULL, "
                "`batch` INT NOT NULL, `rows` BIGINT NOT NULL, "
                "`at` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), "
                "PRIMARY KEY (`run_id`, `table_name`, `batch`)"
                ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
            )
            found = self._find(cursor)
            if found is None and not create:
                raise TargetError(
                    "the target table does not exist",
                    hint="create it (InnoDB, utf8mb4, text columns named as in the mandate), "
                    "or let sceau create it",
                    where=self.where,
                )
            if found is None:
                columns = ", ".join(f"{_quote(c)} LONGTEXT NULL" for c in self.table.columns)
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {self._name} ({columns}) "
                    "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
                )
                found = self._find(cursor)
            self._check_layout(cursor, found)
            cursor.execute(
                f"SELECT (SELECT COUNT(*) FROM {self._name}), (SELECT COALESCE(SUM(`rows`), 0) "
                f"FROM {_quote(CHECKPOINTS)} WHERE `table_name` = %s)",
                [self.table.name],
            )
            rows, recorded = cursor.fetchone()
            if int(rows) != int(recorded):
                raise TargetError(
                    f"the target table holds {rows} rows but sceau recorded loading {recorded}",
                    hint="load into an empty table: empty this one, or choose another name",
                    where=self.where,
                )

    def _find(self, cursor: pymysql.cursors.Cursor) -> tuple[str, str] | None:
        """(table type, engine) of the table, or None if there is none."""
        cursor.execute(
            "SELECT TABLE_NAME, TABLE_TYPE, ENGINE FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
            [self.table.name],
        )
        for name, kind, engine in cursor.fetchall():
            if name == self.table.name:
                return str(kind), str(engine)
        return None

    def _check_layout(self, cursor: pymysql.cursors.Cursor, found: tuple[str, str] | None) -> None:
        kind, engine = found or ("", "")
        if kind != "BASE TABLE":
            raise TargetError(
                "the target name is not a table (a view or other object has it)",
                hint="choose another target table name",
                where=self.where,
            )
        if engine.lower() != "innodb":
            raise TargetError(
                f"the target table uses the {engine} engine, which has no transactions",
                hint="a batch must load whole or not at all: convert it to InnoDB "
                "(ALTER TABLE ... ENGINE=InnoDB) or load into a new table",
                where=self.where,
            )
        cursor.execute(
            "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_SET_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
            [self.table.name],
        )
        layout = cursor.fetchall()
        if [name for name, _, _ in layout] != list(self.table.columns):
            raise TargetError(
                "the target table exists with other columns than the mandate's",
                hint="load into a new table, or drop this one if it is not needed",
                where=self.where,
            )
        for name, kind, charset in layout:
            if kind.lower() not in _TEXT_TYPES or charset != "utf8mb4":
                raise TargetError(
                    f"the column {name!r} is {kind} in {charset}, not text in utf8mb4",
                    hint="sceau loads every column as utf8mb4 text: alter it to LONGTEXT "
                    "CHARACTER SET utf8mb4, or load into a new table",
                    where=self.where,
                )

    def loaded_batches(self, run_id: str) -> dict[int, int]:
        check_run_id(run_id, self.where)
        with self._guard() as connection, connection.cursor() as cursor:
            cursor.execute(
                f"SELECT `batch`, `rows` FROM {_quote(CHECKPOINTS)} "
                "WHERE `run_id` = %s AND `table_name` = %s",
                [run_id, self.table.name],
            )
            return {int(batch): int(rows) for batch, rows in cursor.fetchall()}

    def write_batch(self, run_id: str, batch_no: int, batch: pa.RecordBatch) -> None:
        check_run_id(run_id, self.where)
        check_batch_no(batch_no, self.where)
        columns = text_columns(batch, self.table, self.where)
        key = [run_id, self.table.name, batch_no]
        with self._guard() as connection:
            statements = list(self._statements(columns))
            connection.begin()
            try:
                with connection.cursor() as cursor:
                    try:
                        cursor.execute(
                            f"INSERT INTO {_quote(CHECKPOINTS)} "
                            "(`run_id`, `table_name`, `batch`, `rows`) VALUES (%s, %s, %s, %s)",
                            [*key, batch.num_rows],
                        )
                    except pymysql.IntegrityError as error:
                        if error.args[0] != 1062:  # not "already recorded"
                            raise
                        connection.rollback()
                        self._check_recorded(cursor, key, batch.num_rows)
                        return
                    for statement in statements:
                        cursor.execute(statement)
                connection.commit()
            except BaseException:
                _rollback(connection)
                raise

    def _statements(self, columns: list[pa.Array]) -> Iterator[str]:
        """INSERT statements of a few MB each, built from the batch's escaped literals."""
        if not len(columns[0]):
            return
        literals = [_literal(column) for column in columns]
        joined = literals[0] if len(literals) == 1 else pc.binary_join_element_wise(*literals, ",")
        rows = pc.binary_join_element_wise("(", joined, ")", "")
        lengths = pc.binary_length(rows).to_numpy().astype(np.int64) + 1
        head = f"INSERT INTO {self._name} ({self._columns}) VALUES "
        room = max(self._packet - len(head.encode("utf-8")) - 1024, 1)
        if int(lengths.max()) > room:
            raise TargetError(
                "a row is larger than the server accepts in one statement (max_allowed_packet)",
                hint="raise max_allowed_packet on the server, then resume",
                where=self.where,
            )
        limit = min(_STATEMENT_BYTES, room // 2)
        groups = np.cumsum(lengths) // limit
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        ends = np.r_[starts[1:], len(rows)]
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            yield head + ",".join(rows.slice(start, end - start).to_pylist())

    def _check_recorded(self, cursor: pymysql.cursors.Cursor, key: list, rows: int) -> None:
        cursor.execute(
            f"SELECT `rows` FROM {_quote(CHECKPOINTS)} "
            "WHERE `run_id` = %s AND `table_name` = %s AND `batch` = %s",
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
            with self._guard() as connection:
                cursor = connection.cursor(pymysql.cursors.SSCursor)
                try:
                    cursor.execute(f"SELECT {self._columns} FROM {self._name}")
                    while rows := cursor.fetchmany(_READ_ROWS):
                        yield string_batch(self.table.columns, zip(*rows, strict=True))
                finally:
                    cursor.close()
        except GeneratorExit:  # the reader stopped early: unread rows are still on the wire
            self._drop()
            raise


def _literal(column: pa.Array) -> pa.Array:
    """Each value as a quoted, escaped SQL string literal; null as NULL."""
    for plain, escaped in _ESCAPES:
        column = pc.replace_substring(column, plain, escaped)
    quoted = pc.binary_join_element_wise("'", column, "'", "")
    return pc.fill_null(quoted, "NULL")


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _valid_name(name: str) -> str | None:
    if len(name) > _MAX_NAME:
        return f"MariaDB names are at most {_MAX_NAME} characters"
    if name.endswith(" "):
        return "MariaDB names cannot end with a space"
    return None


def _rollback(connection: pymysql.Connection) -> None:
    with suppress(pymysql.Error):  # the connection is gone: the server rolls back on its own
        connection.rollback()


def _explain(error: pymysql.Error, where: str) -> TargetError:
    """The TargetError for a driver error, by its number; the driver's own text is never shown."""
    code = error.args[0] if error.args and isinstance(error.args[0], int) else None
    if code in _CODES:
        message, hint = _CODES[code]
    elif code in _LOST_CODES or isinstance(error, pymysql.InterfaceError):
        message, hint = _LOST
    else:
        message = f"the database refused the operation ({type(error).__name__} {code})"
        hint = "check the user's rights and the server's log"
    return TargetError(message, hint=hint, where=where)
