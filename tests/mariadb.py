"""The MariaDB server every machine of the project runs, and an account of a test's own on it."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

import pymysql


@contextlib.contextmanager
def account(password: str, *statements: str) -> Iterator[str]:
    """A database and an account of their own that ``password`` opens, with ``statements`` run
    in it first (``{db}`` stands for its name); yields the URL without the password. Both are
    dropped afterwards."""
    name = f"sceau_pw_{secrets.token_hex(4)}"
    root = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    with root.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}`")
        cursor.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", [name, password])
        cursor.execute(f"GRANT ALL ON `{name}`.* TO %s@'%%'", [name])
        for statement in statements:
            cursor.execute(statement.replace("{db}", f"`{name}`"))
    try:
        yield f"mysql://{name}@127.0.0.1:3306/{name}"
    finally:
        with root.cursor() as cursor:
            cursor.execute("DROP USER %s@'%%'", [name])
            cursor.execute(f"DROP DATABASE `{name}`")
        root.close()
