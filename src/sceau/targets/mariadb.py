"""MariaDB (and MySQL): multi-row INSERTs in the transaction that records the batch.

The batch's SQL literals are built by Arrow compute in one pass per column, with PyMySQL's own
escape table (``\\0 \\\\ \\n \\r \\Z \\" \\'``), under a session ``sql_mode`` that sceau sets
itself: strict (a value that does not fit is an error, never a silent truncation) and without
NO_BACKSLASH_ESCAPES (which would change what the escapes mean). Rows go in statements of a few
MB, well under the server's ``max_allowed_packet``. The table is InnoDB, utf8mb4, LONGTEXT: a
table in an engine without transactions is refused, since a batch could then half-load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pymysql
import pymysql.cursors

from sceau.targets._checks import join_text, texts
from sceau.targets._sql import LOST, Connection, Cursor, Load, SqlTarget, refused
from sceau.targets.base import TargetError

_STATEMENT_BYTES = 4 << 20  # rows per INSERT statement: about this many bytes
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
_DUPLICATE = 1062

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


class MariadbTarget(SqlTarget):
    """A MariaDB or MySQL table of LONGTEXT columns, through PyMySQL."""

    kind = "mariadb"
    schemes = ("mysql", "mariadb")
    driver_error = pymysql.Error
    quote = "`"
    mark = "%s"
    types: ClassVar[dict[str, str]] = {
        "text": "LONGTEXT NULL",
        "run_id": "VARCHAR(128)",
        "table_name": "VARCHAR(64)",
        "batch": "INT",
        "rows": "BIGINT",
        "at": "DATETIME(6)",
    }
    now = "CURRENT_TIMESTAMP(6)"
    table_options = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
    names_ignore_case = True
    text_name = "text in utf8mb4"
    create_hint = (
        "create it (InnoDB, utf8mb4, text columns named as in the mandate), or let sceau create it"
    )
    retype_hint = (
        "sceau loads every column as utf8mb4 text: alter it to LONGTEXT CHARACTER SET utf8mb4, "
        "or load into a new table"
    )

    _packet = 0  # the server's max_allowed_packet, read on connecting

    def _open(self) -> Connection:
        parts = urlsplit(self.location)
        database = unquote(parts.path.lstrip("/"))
        if not database:
            raise TargetError(
                "the URL names no database",
                hint="write it as mysql://user@host:3306/database",
                where=self.display,
            )
        try:
            port = parts.port or 3306
        except ValueError:
            raise TargetError(
                "the URL's port is not a number", hint="check the URL", where=self.display
            ) from None
        connection = pymysql.connect(
            host=parts.hostname or "localhost",
            port=port,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            database=database,
            unix_socket=parse_qs(parts.query).get("unix_socket", [None])[0],
            charset="utf8mb4",
            autocommit=True,
            sql_mode=_SQL_MODE,
            connect_timeout=10,
            read_timeout=600,
            write_timeout=600,
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT @@max_allowed_packet")
                row = cursor.fetchone()
                if row is None:
                    raise TargetError(
                        "the server did not tell its max_allowed_packet",
                        hint="check that the server is MariaDB or MySQL",
                        where=self.where,
                    )
                (self._packet,) = row
        except BaseException:
            connection.close()
            raise
        return connection

    def _place(self, connection: Connection) -> str:
        """The peer address of the socket itself, not the host name the URL gave."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT DATABASE()")
            row = cursor.fetchone()
        database = row[0] if row else ""
        if connection.unix_socket:
            return f"{self.kind}:///{database}?unix_socket={connection.unix_socket}"
        # the address connected, which PyMySQL keeps only on its socket
        peer = connection._sock.getpeername() if connection._sock else (connection.host, 0)
        address, port = str(peer[0]), int(peer[1])
        host = f"[{address}]" if ":" in address else address
        return f"{self.kind}://{host}:{port}/{database}"

    def _alive(self, connection: Connection) -> bool:
        return bool(connection.open)

    def _lost(self, connection: Connection, error: Exception) -> bool:  # noqa: ARG002  (the hook's)
        return isinstance(error, pymysql.OperationalError | pymysql.InterfaceError)

    def _name_problem(self, name: str) -> str | None:
        if len(name) > _MAX_NAME:
            return f"MariaDB names are at most {_MAX_NAME} characters"
        if name.endswith(" "):
            return "MariaDB names cannot end with a space"
        return None

    def _layout(self, cursor: Cursor) -> list[tuple[str, str | None]] | None:
        cursor.execute(
            "SELECT TABLE_NAME, TABLE_TYPE, ENGINE FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s",
            [self.table.name],
        )
        found = [row[1:] for row in cursor.fetchall() if row[0] == self.table.name]
        if not found:
            return None
        kind, engine = found[0]
        if kind != "BASE TABLE":
            raise TargetError(
                "the target name is not a table (a view or other object has it)",
                hint="choose another target table name",
                where=self.where,
            )
        if str(engine).lower() != "innodb":
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
        layout: list[tuple[str, str | None]] = []
        for name, kind, charset in cursor.fetchall():
            text = kind.lower() in _TEXT_TYPES and charset == "utf8mb4"
            layout.append((name, None if text else f"{kind} in {charset}"))
        return layout

    def _claim(self, cursor: Cursor, key: Sequence[object], rows: int) -> bool:
        """A plain INSERT: a duplicate key (recorded already) fails that statement alone."""
        try:
            self._run(
                cursor,
                "INSERT INTO {checkpoints} ({run_id}, {table_name}, {batch}, {rows}) "
                "VALUES ({p}, {p}, {p}, {p})",
                [*key, rows],
            )
        except pymysql.IntegrityError as error:
            if error.args[0] != _DUPLICATE:
                raise
            return False
        return True

    def _loader(self, columns: list[pa.Array[Any]]) -> Load:
        self._connect()  # the statements' size depends on the server's max_allowed_packet
        statements = list(self._statements(columns))

        def load(cursor: Cursor, written: Callable[[int], None]) -> None:
            for statement, rows in statements:
                cursor.execute(statement)  # no parameters: the values are literals
                written(rows)

        return load

    def _statements(self, columns: list[pa.Array[Any]]) -> Iterator[tuple[str, int]]:
        """INSERT statements of a few MB each, built from the batch's escaped literals, with
        the rows each holds."""
        if not len(columns[0]):
            return
        literals = [_literal(column) for column in columns]
        joined = literals[0] if len(literals) == 1 else join_text(*literals, ",")
        rows = join_text("(", joined, ")", "")
        lengths = pc.binary_length(rows).to_numpy().astype(np.int64) + 1
        head = self._sql("INSERT INTO {table} ({columns}) VALUES ")
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
            yield head + ",".join(texts(rows.slice(start, end - start))), end - start

    def _read_cursor(self, connection: Connection) -> Cursor:
        return connection.cursor(pymysql.cursors.SSCursor)  # streamed, not held in memory

    def _diagnose(self, error: Exception, *, connecting: bool) -> tuple[str, str]:  # noqa: ARG002
        """By the server's or the client's error number."""
        code = error.args[0] if error.args and isinstance(error.args[0], int) else None
        if code in _CODES:
            return _CODES[code]
        if code in _LOST_CODES or isinstance(error, pymysql.InterfaceError):
            return LOST
        return refused(error, code)


def _literal(column: pa.Array[Any]) -> pa.Array[Any]:
    """Each value as a quoted, escaped SQL string literal; null as NULL."""
    for plain, escaped in _ESCAPES:
        column = pc.replace_substring(column, plain, escaped)
    quoted = join_text("'", column, "'", "")
    return quoted.fill_null("NULL")
