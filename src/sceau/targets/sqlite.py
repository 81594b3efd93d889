"""SQLite: rows and their checkpoint in one ``BEGIN IMMEDIATE`` transaction, in WAL mode.

``synchronous=FULL`` makes a committed batch survive a killed process or a power cut. The file is
created with mode 0600 (its -wal and -shm files follow the database's mode) and is never created
unless ``prepare(create=True)`` asks for it. SQLite text holds any Unicode string, NUL included,
so every value round-trips.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from sceau.targets._checks import rows_of
from sceau.targets._sql import PART_ROWS, Connection, Cursor, Load, SqlTarget
from sceau.targets.base import TargetError, TargetTable

_CODES = {
    "SQLITE_NOTADB": ("the file is not a SQLite database", "check the path in the URL"),
    "SQLITE_CORRUPT": ("the SQLite database is damaged", "restore it, or load into a new file"),
    "SQLITE_FULL": ("the disk is full", "free space, then resume"),
    "SQLITE_READONLY": (
        "the SQLite database cannot be written",
        "check the file's and its folder's permissions",
    ),
    "SQLITE_CANTOPEN": (
        "the SQLite database cannot be opened",
        "check that the file and its folder exist and may be read and written",
    ),
    "SQLITE_BUSY": (
        "the SQLite database is locked by another program",
        "wait for it to finish, then resume",
    ),
    "SQLITE_PERM": ("the SQLite database may not be written", "check the file's permissions"),
    "SQLITE_IOERR": (
        "the SQLite database could not be read or written (I/O error)",
        "check the disk and that the file is still there, then resume",
    ),
}


class SqliteTarget(SqlTarget):
    """A table of TEXT columns in a SQLite file: ``sqlite:///relative`` or ``sqlite:////abs``."""

    kind = "sqlite"
    schemes = ("sqlite",)
    driver_error = sqlite3.Error
    begin = "BEGIN IMMEDIATE"  # the write lock from the start: no one can race the claim
    types: ClassVar[dict[str, str]] = {
        "text": "TEXT",
        "run_id": "TEXT",
        "table_name": "TEXT",
        "batch": "INTEGER",
        "rows": "INTEGER",
        "at": "TEXT",
    }
    now = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
    names_ignore_case = True
    text_name = "TEXT"
    create_hint = "create it with TEXT columns named as in the mandate, or let sceau create it"
    retype_hint = "sceau loads every column as text: load into a new table"
    read_as = "CAST({} AS TEXT)"

    def __init__(self, location: str, table: TargetTable) -> None:
        super().__init__(location, table)
        rest = location.split("://", 1)[1] if "://" in location else location
        self.given = Path(rest[1:] if rest.startswith("/") else rest)
        self.path = self.given.expanduser()

    def check_place(self) -> None:
        if not self.given.is_absolute():
            raise TargetError(
                "the SQLite file is not an absolute path: it would name another file from every "
                "working directory",
                hint="write it with four slashes and the absolute path: sqlite:////srv/lis.db",
                where=self.display,
            )

    def prepare(self, *, create: bool) -> None:
        if create and not self.path.exists():
            self.check_table()
            self._create_file()
        super().prepare(create=create)

    def _create_file(self) -> None:
        """An empty database file only its owner may read: it will hold patient data."""
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:  # another process made it first
            pass
        except OSError:
            raise TargetError(
                "cannot create the SQLite file",
                hint="check that its folder exists and may be written",
                where=self.where,
            ) from None

    def _open(self) -> Connection:
        if not self.path.is_file():
            raise TargetError(
                "the SQLite file does not exist",
                hint="check the path (sqlite:///relative or sqlite:////absolute), or let sceau "
                "create it",
                where=self.where,
            )
        uri = self.path.resolve().as_uri().replace("file://", "file:", 1) + "?mode=rw"
        connection = sqlite3.connect(
            uri, uri=True, timeout=30, isolation_level=None, check_same_thread=False
        )
        try:
            connection.execute("PRAGMA journal_mode=WAL").fetchone()
            connection.execute("PRAGMA synchronous=FULL")
        except BaseException:
            connection.close()
            raise
        return connection

    def _place(self, connection: Connection) -> str:
        """The file SQLite opened, as it says (symbolic links followed)."""
        rows = connection.execute("PRAGMA database_list").fetchall()
        file = next((row[2] for row in rows if row[1] == "main"), "") or str(self.path.resolve())
        return f"sqlite:///{Path(file).resolve()}"

    def _layout(self, cursor: Cursor) -> list[tuple[str, str | None]] | None:
        cursor.execute(
            "SELECT name, type FROM sqlite_master WHERE name = ? COLLATE NOCASE "
            "AND type IN ('table', 'view')",
            [self.table.name],
        )
        found = cursor.fetchone()
        if found is None:
            return None
        if tuple(found) != (self.table.name, "table"):
            raise TargetError(
                "the target name is taken by a view, or by a table spelt with other capitals",
                hint="choose another target table name",
                where=self.where,
            )
        self._run(cursor, "PRAGMA table_info({table})")
        return [
            (name, None if str(kind).upper() == "TEXT" else f"declared {kind or 'without a type'}")
            for _, name, kind, *_ in cursor.fetchall()
        ]

    def _loader(self, columns: list[pa.Array[Any]]) -> Load:
        rows = rows_of(columns)
        insert = self._sql(  # only "?" markers go in; _sql quotes the names
            f"INSERT INTO {{table}} ({{columns}}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
        )

        def load(cursor: Cursor, written: Callable[[int], None]) -> None:
            for start in range(0, len(rows), PART_ROWS):
                part = rows[start : start + PART_ROWS]
                cursor.executemany(insert, part)
                written(len(part))

        return load

    def _diagnose(self, error: Exception, *, connecting: bool) -> tuple[str, str]:  # noqa: ARG002
        """By SQLite's code name (SQLITE_BUSY...); SQLite's own text is not shown."""
        code = str(getattr(error, "sqlite_errorname", "") or "")
        for prefix, found in _CODES.items():
            if code.startswith(prefix):
                return found
        return (
            f"SQLite refused the operation ({type(error).__name__} {code})".replace(" )", ")"),
            "check the file and its permissions",
        )
