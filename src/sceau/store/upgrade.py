"""Bring an older state store up to this version's tables: additions only, never a loss.

``create_all`` makes the tables a store lacks, but not the columns or indexes a newer sceau
added to a table that already exists. Every such addition is nullable, so an older store gains
it with one ``ALTER TABLE ... ADD COLUMN`` and keeps every row; the code that reads the column
fills it where it needs to (the accounts fill their name keys).

One change is not an addition: session and API token hashes are keyed now (:mod:`sceau.web.auth`),
so the plain SHA-256 rows of an older store open nothing. :func:`retire_unkeyed` ends those
sessions and revokes those tokens, so that lists say so: people log in again and make new tokens.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, delete, inspect, text, update
from sqlalchemy.schema import CreateColumn

from sceau.store.schema import api_tokens, metadata, web_sessions


def add_missing(engine: Engine) -> list[str]:
    """Add the columns (and their tables' indexes) the store's tables lack; what was added.

    One catalogue query when nothing is missing, so it runs on every start.
    """
    inspector = inspect(engine)
    names = [table.name for table in metadata.sorted_tables]
    present = {
        key[1]: {column["name"] for column in columns}
        for key, columns in inspector.get_multi_columns(filter_names=names).items()
    }
    added: list[str] = []
    preparer = engine.dialect.identifier_preparer
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            missing = [c for c in table.columns if c.name not in present.get(table.name, set())]
            if not missing or table.name not in present:
                continue
            for column in missing:
                if not column.nullable:
                    raise RuntimeError(f"a new column must be nullable: {table.name}.{column.name}")
                ddl = CreateColumn(column).compile(dialect=engine.dialect)
                connection.execute(
                    text(f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {ddl}")
                )
                added.append(f"{table.name}.{column.name}")
            for index in table.indexes:
                index.create(connection, checkfirst=True)
    return added


def retire_unkeyed(engine: Engine) -> None:
    """End the web sessions and revoke the API tokens whose hash is not keyed (older rows, or
    rows someone wrote into the store by hand): none of them could open anything any more."""
    with engine.begin() as connection:
        connection.execute(delete(web_sessions).where(web_sessions.c.keyed.is_not(True)))
        connection.execute(
            update(api_tokens)
            .where(api_tokens.c.keyed.is_not(True), api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
