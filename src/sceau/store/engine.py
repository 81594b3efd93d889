"""The state store's engine, from a URL: tables created on first use, SQLite made safe."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from sceau.store.append_only import install_append_only
from sceau.store.errors import StoreError
from sceau.store.schema import metadata
from sceau.store.upgrade import add_missing, retire_unkeyed
from sceau.urls import redact_url


def open_store(url: str) -> Engine:
    """An engine on ``url`` whose tables exist. SQLite files are created mode 0600 in a 0700 folder.

    A store made by an older sceau gains the columns this one added (:mod:`.upgrade`).
    On PostgreSQL the audit tables are made append-only by triggers (:mod:`.append_only`).

    SQLite runs in WAL mode with full synchronous commits, so a checkpoint that returned is on
    disk even if the process is killed the next instant.
    """
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                path.touch(mode=0o600)
        except OSError as error:
            raise StoreError(
                f"cannot create the state store ({error.strerror or type(error).__name__})",
                hint="check SCEAU_HOME (or SCEAU_STORE_URL) names a folder you may write to",
                where=str(path),
            ) from None
    try:
        engine = create_engine(url, future=True)
    except (SQLAlchemyError, ValueError, ModuleNotFoundError) as error:
        raise StoreError(
            f"cannot use the state store URL ({type(error).__name__})",
            hint="set SCEAU_STORE_URL to sqlite:///path or postgresql+psycopg://user@host/db",
            where=redact_url(url),
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        metadata.create_all(engine)
        add_missing(engine)  # an older store gains this version's new columns
        retire_unkeyed(engine)  # and its unkeyed session and token hashes are retired
    except SQLAlchemyError as error:
        raise StoreError(
            f"cannot open the state store ({type(error).__name__})",
            hint="check that the database is running and that its URL and permissions are right",
            where=redact_url(url),
        ) from None
    if engine.dialect.name == "postgresql":
        install_append_only(engine)
    return engine


def _sqlite_pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
