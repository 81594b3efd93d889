"""Database passwords: never in a mandate nor in the state store in clear, given when connecting.

A database URL in a mandate names a user, never a password. When sceau connects to a source or
a destination, :class:`DatabasePasswords` finds the password, first of:

1. the key provider: ``sceau keys db-password set URL`` keeps it like every secret sceau keeps
   (:mod:`sceau.keys.material`): wrapped at once under a key-encryption key of its own at the
   provider — the local keyring, OpenBao's transit engine, the HSM — with only the wrapped bytes
   in the store's ``keys`` table (purpose ``db-password``, owner the SHA-256 of the account);
2. the environment the database's own clients read: for MariaDB, ``MYSQL_PWD``; for
   PostgreSQL nothing is added, and libpq itself reads ``PGPASSWORD``, ``PGPASSFILE`` or
   ``~/.pgpass``.

The URL with its password lives only in the memory of the reader or target that connects;
everything sceau shows, logs or stores names the URL without it (``redact_url``).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy import Engine, select

from sceau.events import EventSink
from sceau.keys import material
from sceau.keys.base import KeyProvider, KeyProviderError
from sceau.mandate.column_rules import PASSWORD_HINT
from sceau.mandate.limits import holds_password
from sceau.store.schema import keys

PURPOSE = "db-password"
MARIADB_ENV = "MYSQL_PWD"
_SCHEMES = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mariadb",
    "mariadb": "mariadb",
}
_PORTS = {"postgresql": 5432, "mariadb": 3306}
MAX_PASSWORD = 1024


def account(location: str) -> str | None:
    """Whose password a URL needs — ``postgresql://user@host:5432/database`` — or None when it
    is not a database URL (a file, a folder, SQLite)."""
    if "://" not in location:
        return None
    scheme = _SCHEMES.get(location.split("://", 1)[0].split("+", 1)[0].lower())
    if scheme is None:
        return None
    try:
        parts = urlsplit(location)
        port = parts.port or _PORTS[scheme]
    except ValueError:
        return None  # the reader or target that opens it says what is wrong with it
    user = unquote(parts.username or "")
    host = (parts.hostname or "localhost").lower()
    database = unquote(parts.path.lstrip("/"))
    return f"{scheme}://{quote(user, safe='')}@{host}:{port}/{quote(database, safe='')}"


def store_password(
    provider: KeyProvider,
    engine: Engine,
    events: EventSink,
    location: str,
    password: str,
    *,
    actor: str,
) -> str:
    """Keep ``password`` for the account ``location`` names, replacing (and crypto-shredding)
    one kept before; returns the key id it is kept under."""
    owner = _owner(location)
    if not password or len(password) > MAX_PASSWORD or "\0" in password:
        raise KeyProviderError(
            f"a database password is 1 to {MAX_PASSWORD} characters, without NUL",
            hint="type it again",
        )
    previous = _kept(engine, owner)
    key_id = f"sceau-db-{owner[:16]}-{secrets.token_hex(4)}"
    material.mint(
        provider,
        engine,
        events,
        key_id,
        purpose=PURPOSE,
        owner=owner,
        actor=actor,
        value=password.encode("utf-8"),
    )
    for old in previous:
        material.destroy(provider, engine, events, old, actor=actor)
    return key_id


def forget_password(
    provider: KeyProvider, engine: Engine, events: EventSink, location: str, *, actor: str
) -> int:
    """Crypto-shred every password kept for the account ``location`` names; how many there were."""
    kept = _kept(engine, _owner(location))
    for key_id in kept:
        material.destroy(provider, engine, events, key_id, actor=actor)
    return len(kept)


class DatabasePasswords:
    """The URLs sceau connects with.

    ``provider`` is the key provider, or a function that opens it: then it is opened only when
    a password is kept for the URL, and closed by :meth:`close` (a provider given open is the
    caller's to close).
    """

    def __init__(self, engine: Engine, provider: KeyProvider | Callable[[], KeyProvider]) -> None:
        self.engine = engine
        self._open = None if isinstance(provider, KeyProvider) else provider
        self._provider: KeyProvider | None = provider if isinstance(provider, KeyProvider) else None

    def connect_url(self, location: str) -> str:
        """``location`` with its password when one is kept or given by the environment;
        unchanged when it is not a database URL, already has one, or libpq will find it."""
        who = account(location)
        if who is None or holds_password(location):
            return location
        kept = _kept(self.engine, _digest(who))
        if kept:
            secret = material.fetch(self._provider_now(), self.engine, kept[0])
            if secret is not None:
                return _with_password(location, secret.value.decode("utf-8"))
        if who.startswith("mariadb://") and os.environ.get(MARIADB_ENV):
            return _with_password(location, os.environ[MARIADB_ENV])
        return location

    def _provider_now(self) -> KeyProvider:
        if self._provider is not None:
            return self._provider
        if self._open is None:  # a provider given to __init__ is never dropped: a bug otherwise
            raise RuntimeError("the database passwords' key provider is gone")
        self._provider = self._open()
        return self._provider

    def close(self) -> None:
        if self._open is not None and self._provider is not None:
            self._provider.close()
            self._provider = None

    def __enter__(self) -> DatabasePasswords:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _owner(location: str) -> str:
    """The owner a kept password is filed under; KeyProviderError for a URL that cannot have one."""
    if holds_password(location):
        raise KeyProviderError(
            "give the URL without its password: the password is asked for apart",
            hint=PASSWORD_HINT,
            where="URL",
        )
    who = account(location)
    if who is None:
        raise KeyProviderError(
            "only a PostgreSQL or MariaDB URL has a password",
            hint="write it as postgresql://user@host:5432/database or "
            "mysql://user@host:3306/database",
            where="URL",
        )
    return _digest(who)


def _digest(who: str) -> str:
    return hashlib.sha256(who.encode("utf-8")).hexdigest()


def _kept(engine: Engine, owner: str) -> list[str]:
    """The key ids of the passwords kept for ``owner``, newest first."""
    query = (
        select(keys.c.key_id)
        .where(
            (keys.c.purpose == PURPOSE)
            & (keys.c.owner == owner)
            & keys.c.wrapped.is_not(None)
            & keys.c.destroyed_at.is_(None)
        )
        .order_by(keys.c.created_at.desc())
    )
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())


def _with_password(location: str, password: str) -> str:
    scheme, rest = location.split("://", 1)
    authority, slash, path = rest.partition("/")
    user, _, host = authority.rpartition("@")
    return f"{scheme}://{user}:{quote(password, safe='')}@{host}{slash}{path}"
