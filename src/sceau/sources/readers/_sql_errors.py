"""Database errors as SourceErrors: what failed and what to check, never the driver's text.

Drivers' messages may quote the password, a query or a value; only their error codes
(PostgreSQL SQLSTATE, MySQL error numbers) are read here.
"""

from __future__ import annotations

import sqlalchemy as sa

from sceau.sources.base import SourceError

_UNREACHABLE = (
    "cannot reach the database server",
    "check the host and port in the URL, that the server runs and accepts connections from here",
)
_LOGIN = (
    "the server refused this user name or password",
    "check the user and password (for PostgreSQL also ~/.pgpass and pg_hba.conf)",
)
_DATABASE = ("no such database on this server", "check the database name in the URL")
_TABLE = ("no such table in this database", "check the table name after # (case matters)")
_DENIED = (
    "permission denied: this user may not read it",
    "grant SELECT on the tables to this user, or connect as one who has it",
)
_NOT_SQLITE = ("the file is not a SQLite database", "check that this is the database file")

_POSTGRES = {
    "28P01": _LOGIN,
    "28000": _LOGIN,
    "3D000": _DATABASE,
    "42P01": _TABLE,
    "42501": _DENIED,
    "08001": _UNREACHABLE,
    "08006": _UNREACHABLE,
}
_MYSQL = {
    1045: _LOGIN,
    1049: _DATABASE,
    1044: _DENIED,
    1142: _DENIED,
    1143: _DENIED,
    1146: _TABLE,
    2002: _UNREACHABLE,
    2003: _UNREACHABLE,
    2006: _UNREACHABLE,
    2013: _UNREACHABLE,
}


def explain(error: sa.exc.DBAPIError, where: str) -> SourceError:
    """The SourceError for a driver error, chosen by its code; ``where`` has no password."""
    original = error.orig
    module = _module(original)
    known = None
    if module.startswith("pymysql"):
        args = original.args if original is not None else ()
        code = args[0] if args else None
        known = _MYSQL.get(code) if isinstance(code, int) else None
    elif module.startswith("psycopg"):
        sqlstate = getattr(original, "sqlstate", None)
        known = _POSTGRES.get(sqlstate) if sqlstate else _libpq_failure(str(original))
    elif module.startswith("sqlite3"):
        text = str(original).lower()
        known = _NOT_SQLITE if "not a database" in text or "malformed" in text else None
    if known is None:
        return SourceError(
            f"the database reported an error ({type(original).__name__})",
            hint="check the URL, the user's rights and the server's log",
            where=where,
        )
    message, hint = known
    return SourceError(message, hint=hint, where=where)


def _libpq_failure(text: str) -> tuple[str, str]:
    """libpq reports failed connections without a SQLSTATE: classify its (English) text.

    The text is only matched, never shown: it can quote the user, database or host.
    """
    lowered = text.lower()
    if "password" in lowered or "authentication" in lowered or "no pg_hba.conf" in lowered:
        return _LOGIN
    if "database" in lowered and "does not exist" in lowered:
        return _DATABASE
    if "permission denied" in lowered:
        return _DENIED
    return _UNREACHABLE


def _module(value: object) -> str:
    return type(value).__module__ or ""
