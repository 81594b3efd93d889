"""SQLite: rows and their checkpoint in one ``BEGIN IMMEDIATE`` transaction, in WAL mode.

``synchronous=FULL`` makes a committed batch survive a killed process or a power cut. The file is
created with mode 0600 (its -wal and -shm files follow the database's mode) and is never created
unless ``prepare(create=True)`` asks for it. SQLite text holds any Unicode string, NUL included,
so every value round-trips.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from sceau.targets._checks import (
    CHECKPOINTS,
    check_batch_no,
    check_names,
    check_run_id,
    rows_of,
    string_batch,
    text_columns,
)
from sceau.targets.base import Target, TargetError, TargetTable

_READ_ROWS = 10_000
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
}


class SqliteTarget(Target):
    """A table of TEXT columns in a SQLite file: ``sqlite:///relative`` or ``sqlite:////abs``."""

    kind = "sqlite"
    schemes = ("sqlite",)

    def __init__(self, location: str, table: TargetTable) -> None:
        super().__init__(location, table)
        rest = location.split("://", 1)[1] if "://" in location else location
        self.path = Path(rest[1:] if rest.startswith("/") else rest).expanduser()
        self.where = f"{self.display}#{table.name}"
        self._connection: sqlite3.Connection | None = None
        self._name = _quote(table.name)
        self._columns = ", ".join(_quote(c) for c in table.columns)

    # --- connection -----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None:
            return self._connection
        if not self.path.is_file():
            raise TargetError(
                "the SQLite file does not exist",
                hint="check the path (sqlite:///relative or sqlite:////absolute), or let sceau "
                "create it",
                where=self.where,
            )
        uri = self.path.resolve().as_uri().replace("file://", "file:", 1) + "?mode=rw"
        try:
            connection = sqlite3.connect(
                uri, uri=True, timeout=30, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode=WAL").fetchone()
            connection.execute("PRAGMA synchronous=FULL")
        except sqlite3.Error as error:
            raise _explain(error, self.where) from None
        self._connection = connection
        return connection

    @contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        connection = self._connect()
        try:
            yield connection
        except sqlite3.Error as error:
            raise _explain(error, self.where) from None

    @contextmanager
    def _transaction(self, connection: sqlite3.Connection) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any failure."""
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    # --- the contract ---------------------------------------------------------------------

    def check_table(self) -> None:
        check_names(self.table, self.where, fold=str.lower)

    def prepare(self, *, create: bool) -> None:
        self.check_table()
        if create and not self.path.exists():
            self._create_file()
        with self._guard() as connection, self._transaction(connection):
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {_quote(CHECKPOINTS)} (run_id TEXT NOT NULL, "
                "table_name TEXT NOT NULL, batch INTEGER NOT NULL, rows INTEGER NOT NULL, "
                "at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "
                "PRIMARY KEY (run_id, table_name, batch))"
            )
            found = connection.execute(
                "SELECT name, type FROM sqlite_master WHERE name = ? COLLATE NOCASE "
                "AND type IN ('table', 'view')",
                [self.table.name],
            ).fetchone()
            if found is None and not create:
                raise TargetError(
                    "the target table does not exist",
                    hint="create it with TEXT columns named as in the mandate, or let sceau "
                    "create it",
                    where=self.where,
                )
            if found is None:
                columns = ", ".join(f"{_quote(c)} TEXT" for c in self.table.columns)
                connection.execute(f"CREATE TABLE {self._name} ({columns})")
                return
            self._check_layout(connection, found)
            rows, recorded = connection.execute(
                f"SELECT (SELECT count(*) FROM {self._name}), (SELECT coalesce(sum(rows), 0) "
                f"FROM {_quote(CHECKPOINTS)} WHERE table_name = ?)",
                [self.table.name],
            ).fetchone()
            if rows != recorded:
                raise TargetError(
                    f"the target table holds {rows} rows but sceau recorded loading {recorded}",
                    hint="load into an empty table: empty this one, or choose another name",
                    where=self.where,
                )

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

    def _check_layout(self, connection: sqlite3.Connection, found: tuple[str, str]) -> None:
        name, kind = found
        if kind != "table" or name != self.table.name:
            raise TargetError(
                "the target name is taken by a view, or by a table spelt with other capitals",
                hint="choose another target table name",
                where=self.where,
            )
        layout = connection.execute(f"PRAGMA table_info({self._name})").fetchall()
        if [row[1] for row in layout] != list(self.table.columns):
            raise TargetError(
                "the target table exists with other columns than the mandate's",
                hint="load into a new table, or drop this one if it is not needed",
                where=self.where,
            )
        for row in layout:
            if str(row[2]).upper() != "TEXT":
                raise TargetError(
                    f"the column {row[1]!r} is declared {row[2] or 'without a type'}, not TEXT",
                    hint="sceau loads every column as text: load into a new table",
                    where=self.where,
                )

    def loaded_batches(self, run_id: str) -> dict[int, int]:
        check_run_id(run_id, self.where)
        with self._guard() as connection:
            rows = connection.execute(
                f"SELECT batch, rows FROM {_quote(CHECKPOINTS)} "
                "WHERE run_id = ? AND table_name = ?",
                [run_id, self.table.name],
            ).fetchall()
        return {int(batch): int(count) for batch, count in rows}

    def write_batch(self, run_id: str, batch_no: int, batch: pa.RecordBatch) -> None:
        check_run_id(run_id, self.where)
        check_batch_no(batch_no, self.where)
        rows = rows_of(text_columns(batch, self.table, self.where))
        marks = ", ".join("?" for _ in self.table.columns)
        key = [run_id, self.table.name, batch_no]
        with self._guard() as connection, self._transaction(connection):
            recorded = connection.execute(
                f"SELECT rows FROM {_quote(CHECKPOINTS)} "
                "WHERE run_id = ? AND table_name = ? AND batch = ?",
                key,
            ).fetchone()
            if recorded is not None:  # BEGIN IMMEDIATE holds the write lock: no one can race
                if recorded[0] != len(rows):
                    raise TargetError(
                        f"batch {batch_no} of run {run_id} was loaded with {recorded[0]} rows, "
                        f"not {len(rows)}",
                        hint="the staged batch changed since it was loaded: verify the run",
                        where=self.where,
                    )
                return
            connection.execute(
                f"INSERT INTO {_quote(CHECKPOINTS)} (run_id, table_name, batch, rows) "
                "VALUES (?, ?, ?, ?)",
                [*key, len(rows)],
            )
            connection.executemany(
                f"INSERT INTO {self._name} ({self._columns}) VALUES ({marks})", rows
            )

    def read_rows(self) -> Iterator[pa.RecordBatch]:
        casts = ", ".join(f"CAST({_quote(c)} AS TEXT)" for c in self.table.columns)
        with self._guard() as connection:
            cursor = connection.execute(f"SELECT {casts} FROM {self._name}")
            try:
                while rows := cursor.fetchmany(_READ_ROWS):
                    yield string_batch(self.table.columns, zip(*rows, strict=True))
            finally:
                cursor.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _explain(error: sqlite3.Error, where: str) -> TargetError:
    """The TargetError for a SQLite error, by its code name; SQLite's own text is not shown."""
    code = str(getattr(error, "sqlite_errorname", "") or "")
    for prefix, (message, hint) in _CODES.items():
        if code.startswith(prefix):
            return TargetError(message, hint=hint, where=where)
    if code.startswith("SQLITE_IOERR"):
        return TargetError(
            "the SQLite database could not be read or written (I/O error)",
            hint="check the disk and that the file is still there, then resume",
            where=where,
        )
    return TargetError(
        f"SQLite refused the operation ({type(error).__name__} {code})".replace(" )", ")"),
        hint="check the file and its permissions",
        where=where,
    )
