"""The PostgreSQL server every machine of the project runs, and a schema of a test's own on it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from uuid import uuid4

from sqlalchemy import create_engine

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def schema_url(prefix: str) -> Iterator[str]:
    """A store URL whose search_path is a new schema, dropped (with all it holds) afterwards."""
    schema = f"{prefix}_{uuid4().hex[:12]}"
    server = create_engine(POSTGRES)
    with server.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with server.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        server.dispose()
