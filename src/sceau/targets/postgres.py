"""PostgreSQL: a batch is COPYed in the same transaction that records it in sceau_checkpoints.

The batch becomes CSV in one vectorised Arrow call (a null is an unquoted empty field, an empty
string a quoted one, so COPY tells them apart) and streams through ``COPY ... FROM STDIN``. The
checkpoint row is inserted first, with ``ON CONFLICT DO NOTHING``: a batch already recorded, or
being loaded by another connection, is skipped rather than loaded twice. PostgreSQL text cannot
hold the NUL character: a batch with one is refused, naming the column.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from psycopg import sql

from sceau.targets._checks import (
    CHECKPOINTS,
    check_batch_no,
    check_names,
    check_run_id,
    text_columns,
)
from sceau.targets.base import Target, TargetError, TargetTable

_READ_BYTES = 8 << 20  # read_rows parses the COPY output in slices of about this size
_LOCK = 0x5CEA0  # advisory lock that serialises sceau's DDL (concurrent CREATE IF NOT EXISTS race)
_MAX_NAME_BYTES = 63  # PostgreSQL truncates longer identifiers

_LOST = (
    "the target database went away",
    "check that the server runs and is reachable, then resume the run: a batch is loaded "
    "whole or not at all",
)
_LOGIN = ("the server refused this user name or password", "check the user and password")
_CODES = {
    "28P01": _LOGIN,
    "28000": _LOGIN,
    "3D000": ("no such database on this server", "check the database name in the URL"),
    "42501": (
        "permission denied: this user may not create or write the table",
        "grant CREATE on the schema and SELECT, INSERT on the tables to this user",
    ),
    "53100": ("the database server's disk is full", "free space on the server, then resume"),
    "57014": ("the server cancelled the load", "check statement_timeout, then resume"),
    "40001": ("the load conflicted with another transaction", "resume the run"),
    "40P01": ("the load conflicted with another transaction", "resume the run"),
    "22P05": (
        "a value cannot be stored in this database's encoding",
        "load into a database created with ENCODING 'UTF8'",
    ),
}


class PostgresTarget(Target):
    """A PostgreSQL table of text columns, through psycopg 3 and COPY."""

    kind = "postgresql"
    schemes = ("postgresql", "postgres")

    def __init__(self, location: str, table: TargetTable) -> None:
        super().__init__(location, table)
        self.where = f"{self.display}#{table.name}"
        self._connection: psycopg.Connection | None = None
        self._name = sql.Identifier(table.name)
        self._columns = sql.SQL(", ").join(sql.Identifier(c) for c in table.columns)

    # --- connection -----------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection:
        if self._connection is not None and not self._connection.closed:
            return self._connection
        scheme, rest = self.location.split("://", 1)
        try:
            self._connection = psycopg.connect(
                f"{scheme.split('+', 1)[0]}://{rest}",
                autocommit=True,
                connect_timeout=10,
                client_encoding="UTF8",
                application_name=f"sceau load {self.table.name}"[:63],  # for the DBA
                keepalives=1,
                keepalives_idle=30,
                keepalives_interval=10,
                keepalives_count=3,
            )
        except psycopg.Error as error:
            raise _explain(error, self.where, connecting=True) from None
        return self._connection

    @contextmanager
    def _guard(self) -> Iterator[psycopg.Connection]:
        """Driver errors become TargetErrors; a broken connection is dropped, to reconnect."""
        connection = self._connect()
        try:
            yield connection
        except psycopg.Error as error:
            if connection.broken or connection.closed:
                self._drop()
            raise _explain(error, self.where) from None

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None

    def close(self) -> None:
        self._drop()

    # --- the contract ---------------------------------------------------------------------

    def check_table(self) -> None:
        check_names(self.table, self.where, valid=_valid_name)

    def prepare(self, *, create: bool) -> None:
        self.check_table()
        with self._guard() as connection:
            encoding = connection.execute("SHOW server_encoding").fetchone()
            if encoding is None or encoding[0] != "UTF8":
                raise TargetError(
                    "the target database does not store UTF-8",
                    hint="load into a database created with ENCODING 'UTF8'",
                    where=self.where,
                )
            with connection.transaction():
                connection.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
                connection.execute(
                    sql.SQL(
                        "CREATE TABLE IF NOT EXISTS {} (run_id text NOT NULL, "
                        "table_name text NOT NULL, batch integer NOT NULL, rows bigint NOT NULL, "
                        "at timestamptz NOT NULL DEFAULT now(), "
                        "PRIMARY KEY (run_id, table_name, batch))"
                    ).format(sql.Identifier(CHECKPOINTS))
                )
                layout = self._layout(connection)
                if layout is None and not create:
                    raise TargetError(
                        "the target table does not exist",
                        hint="create it with text columns named as in the mandate, or let "
                        "sceau create it",
                        where=self.where,
                    )
                if layout is None:
                    columns = sql.SQL(", ").join(
                        sql.SQL("{} text").format(sql.Identifier(c)) for c in self.table.columns
                    )
                    connection.execute(sql.SQL("CREATE TABLE {} ({})").format(self._name, columns))
                    return
                _check_layout(layout, self.table, self.where)
                counts = connection.execute(
                    sql.SQL(
                        "SELECT (SELECT count(*) FROM {}), (SELECT coalesce(sum(rows), 0) "
                        "FROM {} WHERE table_name = %s)"
                    ).format(self._name, sql.Identifier(CHECKPOINTS)),
                    [self.table.name],
                ).fetchone()
                assert counts is not None
                _check_counts(int(counts[0]), int(counts[1]), self.where)

    def _layout(self, connection: psycopg.Connection) -> list[tuple[str, str]] | None:
        """(name, type) of the table's columns, or None if there is no such table."""
        found = connection.execute(
            "SELECT c.oid, c.relkind FROM pg_class c WHERE c.oid = to_regclass(%s)",
            [self._name.as_string(connection)],
        ).fetchone()
        if found is None:
            return None
        if found[1] not in ("r", "p"):
            raise TargetError(
                "the target name is not a table (a view, sequence or other object has it)",
                hint="choose another target table name",
                where=self.where,
            )
        rows = connection.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [found[0]],
        ).fetchall()
        return [(str(name), str(kind)) for name, kind in rows]

    def loaded_batches(self, run_id: str) -> dict[int, int]:
        check_run_id(run_id, self.where)
        with self._guard() as connection:
            rows = connection.execute(
                sql.SQL("SELECT batch, rows FROM {} WHERE run_id = %s AND table_name = %s").format(
                    sql.Identifier(CHECKPOINTS)
                ),
                [run_id, self.table.name],
            ).fetchall()
        return {int(batch): int(count) for batch, count in rows}

    def write_batch(self, run_id: str, batch_no: int, batch: pa.RecordBatch) -> None:
        check_run_id(run_id, self.where)
        check_batch_no(batch_no, self.where)
        columns = text_columns(batch, self.table, self.where)
        for name, column in zip(self.table.columns, columns, strict=True):
            if pc.any(pc.match_substring(column, "\0")).as_py():
                raise TargetError(
                    f"the column {name!r} holds a NUL character, which PostgreSQL text "
                    "cannot store",
                    hint="remove NUL characters in a transform, or load into another target",
                    where=self.where,
                )
        data = io.BytesIO()
        names = [f"c{i}" for i in range(len(columns))]
        pa_csv.write_csv(
            pa.RecordBatch.from_arrays(columns, names=names),
            data,
            pa_csv.WriteOptions(include_header=False),
        )
        checkpoint = sql.SQL(
            "INSERT INTO {} (run_id, table_name, batch, rows) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING RETURNING batch"
        ).format(sql.Identifier(CHECKPOINTS))
        copy = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(self._name, self._columns)
        key = [run_id, self.table.name, batch_no]
        with self._guard() as connection, connection.transaction():
            if connection.execute(checkpoint, [*key, batch.num_rows]).fetchone() is None:
                self._check_recorded(connection, key, batch.num_rows)
                return
            if batch.num_rows:
                with connection.cursor().copy(copy) as stream:
                    stream.write(data.getbuffer())

    def _check_recorded(self, connection: psycopg.Connection, key: list, rows: int) -> None:
        recorded = connection.execute(
            sql.SQL(
                "SELECT rows FROM {} WHERE run_id = %s AND table_name = %s AND batch = %s"
            ).format(sql.Identifier(CHECKPOINTS)),
            key,
        ).fetchone()
        if recorded is not None and int(recorded[0]) != rows:
            raise TargetError(
                f"batch {key[2]} of run {key[0]} was loaded with {recorded[0]} rows, not {rows}",
                hint="the staged batch changed since it was loaded: verify the run",
                where=self.where,
            )

    def read_rows(self) -> Iterator[pa.RecordBatch]:
        query = sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT (FORMAT csv)").format(
            self._columns, self._name
        )
        try:
            with self._guard() as connection, connection.cursor().copy(query) as stream:
                pending: list[bytes] = []
                size = 0
                for row in stream:  # libpq hands COPY out one whole row at a time
                    pending.append(bytes(row))
                    size += len(row)
                    if size >= _READ_BYTES:
                        yield from _parse(b"".join(pending), self.table.columns)
                        pending, size = [], 0
                if pending:
                    yield from _parse(b"".join(pending), self.table.columns)
        except GeneratorExit:  # the reader stopped early: the COPY is left half read
            self._drop()
            raise


def _parse(data: bytes, names: tuple[str, ...]) -> Iterator[pa.RecordBatch]:
    """CSV rows from COPY back to string columns: unquoted empty is null, "" is empty."""
    table = pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(
            column_names=[f"c{i}" for i in range(len(names))], block_size=len(data) + 1
        ),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={f"c{i}": pa.string() for i in range(len(names))},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    for batch in table.to_batches():
        yield pa.RecordBatch.from_arrays(batch.columns, names=list(names))


def _valid_name(name: str) -> str | None:
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        return f"PostgreSQL names are at most {_MAX_NAME_BYTES} bytes"
    return None


def _check_layout(layout: list[tuple[str, str]], table: TargetTable, where: str) -> None:
    names = [name for name, _ in layout]
    if names != list(table.columns):
        raise TargetError(
            "the target table exists with other columns than the mandate's",
            hint="load into a new table, or drop this one if it is not needed",
            where=where,
        )
    for name, kind in layout:
        if kind != "text":
            raise TargetError(
                f"the column {name!r} is of type {kind}, not text",
                hint="sceau loads every column as text: alter it to text, or load into a new table",
                where=where,
            )


def _check_counts(rows: int, recorded: int, where: str) -> None:
    """A run starts on an empty table; a resumed one finds only what sceau recorded."""
    if rows != recorded:
        raise TargetError(
            f"the target table holds {rows} rows but sceau recorded loading {recorded}",
            hint="load into an empty table: empty this one, or choose another name",
            where=where,
        )


def _explain(error: psycopg.Error, where: str, *, connecting: bool = False) -> TargetError:
    """The TargetError for a driver error, by SQLSTATE; the driver's own text is never shown."""
    sqlstate = error.sqlstate or ""
    if sqlstate in _CODES:
        message, hint = _CODES[sqlstate]
    elif connecting and not sqlstate:
        message, hint = _libpq_failure(str(error))
    elif (isinstance(error, psycopg.OperationalError) and not sqlstate) or sqlstate.startswith(
        ("08", "57P")
    ):
        message, hint = _LOST
    else:
        message = f"the database refused the operation ({type(error).__name__} {sqlstate})"
        hint = "check the user's rights and the server's log"
    return TargetError(message, hint=hint, where=where)


def _libpq_failure(text: str) -> tuple[str, str]:
    """libpq reports failed connections without a SQLSTATE: its (English) text is matched only."""
    lowered = text.lower()
    if "password" in lowered or "authentication" in lowered or "pg_hba.conf" in lowered:
        return _LOGIN
    if "database" in lowered and "does not exist" in lowered:
        return _CODES["3D000"]
    return (
        "cannot reach the target database server",
        "check the host and port in the URL, and that the server runs and accepts connections",
    )
