"""PostgreSQL: a batch is COPYed in the same transaction that records it in sceau_checkpoints.

The batch becomes CSV in one vectorised Arrow call (a null is an unquoted empty field, an empty
string a quoted one, so COPY tells them apart) and streams through ``COPY ... FROM STDIN``; the
table is read back with ``COPY ... TO STDOUT``. sceau's DDL is serialised by an advisory lock
(concurrent CREATE ... IF NOT EXISTS race in PostgreSQL). PostgreSQL text cannot hold the NUL
character: a batch with one is refused, naming the column.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from sceau.targets._sql import LOST, PART_ROWS, Connection, Cursor, Load, SqlTarget, refused
from sceau.targets.base import TargetError

_READ_BYTES = 8 << 20  # read_rows parses the COPY output in slices of about this size
_LOCK = 0x5CEA0  # advisory lock that serialises sceau's DDL
_MAX_NAME_BYTES = 63  # PostgreSQL truncates longer identifiers

# What libpq would otherwise take from the environment of whoever runs the migration, and that
# would send the rows elsewhere than the signed URL says: another address for the host, another
# port, a search_path that puts the table in another schema. Left empty, libpq reads nothing.
_FROM_ENVIRONMENT = {"hostaddr": "", "port": "5432", "options": ""}
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


class PostgresTarget(SqlTarget):
    """A PostgreSQL table of text columns, through psycopg 3 and COPY."""

    kind = "postgresql"
    schemes = ("postgresql", "postgres")
    driver_error = psycopg.Error
    mark = "%s"
    types: ClassVar[dict[str, str]] = {
        "text": "text",
        "run_id": "text",
        "table_name": "text",
        "batch": "integer",
        "rows": "bigint",
        "at": "timestamptz",
    }
    now = "now()"
    create_hint = "create it with text columns named as in the mandate, or let sceau create it"
    retype_hint = "sceau loads every column as text: alter it to text, or load into a new table"

    def _open(self) -> Connection:
        scheme, rest = self.location.split("://", 1)
        url = f"{scheme.split('+', 1)[0]}://{rest}"
        return psycopg.connect(
            make_conninfo(url, **_signed_place(url)),
            autocommit=True,
            connect_timeout=10,
            client_encoding="UTF8",
            application_name=f"sceau load {self.table.name}"[:63],  # for the DBA
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        )

    def _place(self, connection: Connection) -> str:
        """The server's own address for this connection (NULL over a local socket)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_database(), host(inet_server_addr()), inet_server_port()"
            )
            database, address, port = cursor.fetchone()
        if address is None:
            return f"{self.kind}:///{database}?host={connection.info.host}"
        return f"{self.kind}://{_bracketed(address)}:{port}/{database}"

    def _alive(self, connection: Connection) -> bool:
        return not connection.closed

    def _lost(self, connection: Connection, error: Exception) -> bool:  # noqa: ARG002  (the hook's)
        return bool(connection.broken or connection.closed)

    def _name_problem(self, name: str) -> str | None:
        if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
            return f"PostgreSQL names are at most {_MAX_NAME_BYTES} bytes"
        return None

    def _before_ddl(self, cursor: Cursor) -> None:
        cursor.execute("SHOW server_encoding")
        encoding = cursor.fetchone()
        if encoding is None or encoding[0] != "UTF8":
            raise TargetError(
                "the target database does not store UTF-8",
                hint="load into a database created with ENCODING 'UTF8'",
                where=self.where,
            )
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])

    def _layout(self, cursor: Cursor) -> list[tuple[str, str | None]] | None:
        cursor.execute(
            "SELECT c.oid, c.relkind FROM pg_class c WHERE c.oid = to_regclass(%s)",
            [self._quote(self.table.name)],
        )
        found = cursor.fetchone()
        if found is None:
            return None
        if found[1] not in ("r", "p"):
            raise TargetError(
                "the target name is not a table (a view, sequence or other object has it)",
                hint="choose another target table name",
                where=self.where,
            )
        cursor.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            [found[0]],
        )
        return [
            (str(name), None if kind == "text" else f"of type {kind}")
            for name, kind in cursor.fetchall()
        ]

    def _loader(self, columns: list[pa.Array[Any]]) -> Load:
        for name, column in zip(self.table.columns, columns, strict=True):
            if pc.any(pc.match_substring(column, "\0")).as_py():
                raise TargetError(
                    f"the column {name!r} holds a NUL character, which PostgreSQL text "
                    "cannot store",
                    hint="remove NUL characters in a transform, or load into another target",
                    where=self.where,
                )
        whole = pa.RecordBatch.from_arrays(columns, names=[f"c{i}" for i in range(len(columns))])
        parts = []
        for start in range(0, whole.num_rows, PART_ROWS):
            part = whole.slice(start, PART_ROWS)
            data = io.BytesIO()
            pa_csv.write_csv(part, data, pa_csv.WriteOptions(include_header=False))
            parts.append((data, part.num_rows))
        copy = self._sql("COPY {table} ({columns}) FROM STDIN (FORMAT csv)")

        def load(cursor: Cursor, written: Callable[[int], None]) -> None:
            with cursor.copy(copy) as stream:
                for data, rows in parts:
                    stream.write(data.getbuffer())
                    written(rows)

        return load

    def _read(self, cursor: Cursor) -> Iterator[pa.RecordBatch]:
        query = self._sql("COPY (SELECT {columns} FROM {table}) TO STDOUT (FORMAT csv)")
        with cursor.copy(query) as stream:
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

    def _diagnose(self, error: Exception, *, connecting: bool) -> tuple[str, str]:
        """By SQLSTATE; libpq's failed connections have none, and only then is its text read."""
        sqlstate = (error.sqlstate if isinstance(error, psycopg.Error) else None) or ""
        if sqlstate in _CODES:
            return _CODES[sqlstate]
        if connecting and not sqlstate:
            return _libpq_failure(str(error))
        if (isinstance(error, psycopg.OperationalError) and not sqlstate) or sqlstate.startswith(
            ("08", "57P")
        ):
            return LOST
        return refused(error, sqlstate)


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


def _bracketed(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _signed_place(url: str) -> dict[str, str]:
    """The connection settings the URL leaves out that libpq would read from the environment
    (PGHOSTADDR, PGPORT, PGOPTIONS), set so it does not: the run goes where the mandate says."""
    given = conninfo_to_dict(url)
    return {key: value for key, value in _FROM_ENVIRONMENT.items() if key not in given}
