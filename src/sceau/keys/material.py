"""The secrets sceau mints and keeps only wrapped: a data key per run, the controller's
pseudonymisation and field keys, the installation's certificate-signing key.

Each secret is generated here, wrapped at once by the provider under a KEK of its own, and
stored wrapped in the ``keys`` table; in clear it lives only in this process's memory.
Destroying the KEK (crypto-shredding) leaves the wrapped secret as useless bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from sceau.crypto.envelope import new_data_key
from sceau.crypto.kdf import derive_key
from sceau.events import EventSink, KeyCreated, KeyDestroyed, KeyRotated
from sceau.keys.base import KeyDestroyedError, KeyProvider, KeyProviderError
from sceau.protect.apply import ProtectKeys
from sceau.store.schema import keys


@dataclass(frozen=True)
class Secret:
    key_id: str
    value: bytes = b""

    def __repr__(self) -> str:  # never print the value
        return f"Secret({self.key_id!r})"


def mint(
    provider: KeyProvider,
    engine: Engine,
    events: EventSink,
    key_id: str,
    *,
    purpose: str,
    owner: str,
    actor: str,
    value: bytes | None = None,
) -> Secret:
    """Create the KEK ``key_id`` at the provider and a secret wrapped under it.

    The store's row is written first, as pending: if the process dies before the wrapped secret
    is stored, the KEK it left at the provider is known to be this installation's, wrapped
    nothing, and is replaced at the next attempt.
    """
    secret = value if value is not None else new_data_key()
    with engine.begin() as connection:
        row = connection.execute(select(keys).where(keys.c.key_id == key_id)).mappings().first()
        if row is None:
            connection.execute(
                insert(keys).values(
                    key_id=key_id,
                    provider=provider.name,
                    purpose=purpose,
                    owner=owner,
                    version=1,
                    wrapped=None,
                    created_at=datetime.now(UTC),
                )
            )
        elif row["wrapped"] is not None or row["destroyed_at"] is not None:
            raise KeyProviderError("a key of this name already exists", where=key_id)
    if row is not None and provider.exists(key_id):
        provider.destroy(key_id)  # left by an attempt that died half-way; it wrapped nothing
    events.record(KeyCreated(actor=actor, key_id=key_id, provider=provider.name, purpose=purpose))
    provider.create(key_id)
    wrapped = provider.wrap(key_id, secret)
    with engine.begin() as connection:
        connection.execute(update(keys).where(keys.c.key_id == key_id).values(wrapped=wrapped))
    return Secret(key_id, secret)


def fetch(provider: KeyProvider, engine: Engine, key_id: str) -> Secret | None:
    """The secret back from its wrapped form, or None if sceau never finished minting it."""
    with engine.connect() as connection:
        row = connection.execute(select(keys).where(keys.c.key_id == key_id)).mappings().first()
    if row is None or (row["wrapped"] is None and row["destroyed_at"] is None):
        return None
    if row["destroyed_at"] is not None:
        raise KeyDestroyedError(
            "this key was destroyed (crypto-shredded)",
            hint="what it protected can no longer be read",
            where=key_id,
        )
    if row["provider"] != provider.name:
        raise KeyProviderError(
            f"this key is held by the {row['provider']} provider, not {provider.name}",
            hint=f"set SCEAU_KEY_PROVIDER={row['provider']}",
            where=key_id,
        )
    return Secret(key_id, provider.unwrap(key_id, row["wrapped"]))


def rotate(
    provider: KeyProvider, engine: Engine, events: EventSink, key_id: str, *, actor: str
) -> int:
    """A new version of the KEK, and the stored secret re-wrapped under it, so the older
    versions protect nothing any more; returns the new version."""
    secret = fetch(provider, engine, key_id)
    version = provider.rotate(key_id)
    events.record(KeyRotated(actor=actor, key_id=key_id, provider=provider.name, version=version))
    if secret is not None:
        wrapped = provider.wrap(key_id, secret.value)
        with engine.begin() as connection:
            connection.execute(
                update(keys).where(keys.c.key_id == key_id).values(wrapped=wrapped, version=version)
            )
    return version


def destroy(
    provider: KeyProvider, engine: Engine, events: EventSink, key_id: str, *, actor: str
) -> None:
    """Crypto-shred: destroy the KEK at the provider, then forget the wrapped secret."""
    with engine.connect() as connection:
        holder = connection.execute(
            select(keys.c.provider).where(keys.c.key_id == key_id)
        ).scalar_one_or_none()
    if holder is not None and holder != provider.name:
        raise KeyProviderError(
            f"this key is held by the {holder} provider, not {provider.name}: it was not destroyed",
            hint=f"set SCEAU_KEY_PROVIDER={holder} and try again",
            where=key_id,
        )
    events.record(KeyDestroyed(actor=actor, key_id=key_id, provider=provider.name))
    provider.destroy(key_id)
    with engine.begin() as connection:
        connection.execute(
            update(keys)
            .where(keys.c.key_id == key_id)
            .values(wrapped=None, destroyed_at=datetime.now(UTC), destroyed_by=actor)
        )


def controller_keys(
    provider: KeyProvider, engine: Engine, events: EventSink, finess: str, *, actor: str
) -> ProtectKeys:
    """The controller's keys, minted on first use: pseudonyms stay the same from run to run.

    Both derive from one secret per controller, held wrapped like every other."""
    key_id = f"sceau-controller-{finess.lower()}"
    secret = fetch(provider, engine, key_id) or mint(
        provider, engine, events, key_id, purpose="controller", owner=finess, actor=actor
    )
    return ProtectKeys(
        pseudonym=derive_key(secret.value, "pseudonym v1"),
        field=derive_key(secret.value, "field encryption v1"),
    )
