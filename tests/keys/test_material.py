"""Secrets sceau mints and keeps only wrapped: rotation re-wraps, a half-minted key recovers,
destroying forgets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from sceau.audit.sink import AuditLog
from sceau.config import Settings
from sceau.keys import KeyDestroyedError, KeyProviderError, open_provider
from sceau.keys.material import destroy, fetch, mint, rotate
from sceau.store import open_store
from sceau.store.schema import keys


@pytest.fixture
def world(local_settings: Settings):
    engine = open_store(local_settings.store)
    provider = open_provider(local_settings)
    yield provider, engine, AuditLog.from_settings(local_settings, engine)
    provider.close()


def _stored(engine, key_id: str):
    with engine.connect() as connection:
        return connection.execute(select(keys).where(keys.c.key_id == key_id)).mappings().one()


def test_rotation_rewraps_the_secret_under_the_new_version(world, key_id):
    provider, engine, events = world
    secret = mint(provider, engine, events, key_id, purpose="run", owner="r", actor="t")
    before = _stored(engine, key_id)["wrapped"]
    assert rotate(provider, engine, events, key_id, actor="admin") == 2
    row = _stored(engine, key_id)
    assert row["version"] == 2
    assert row["wrapped"] != before
    assert row["wrapped"].startswith(b"local:v2")
    assert fetch(provider, engine, key_id).value == secret.value
    assert "key.rotated" in events.names()


def test_a_key_minted_half_way_is_replaced_at_the_next_attempt(world, key_id):
    provider, engine, events = world
    # a process killed after creating the KEK and before storing the wrapped secret
    with engine.begin() as connection:
        connection.execute(
            insert(keys).values(
                key_id=key_id,
                provider=provider.name,
                purpose="run",
                owner="r",
                version=1,
                wrapped=None,
                created_at=datetime.now(UTC),
            )
        )
    provider.create(key_id)
    assert fetch(provider, engine, key_id) is None
    secret = mint(provider, engine, events, key_id, purpose="run", owner="r", actor="t")
    assert fetch(provider, engine, key_id).value == secret.value


def test_destroyed_means_gone_everywhere(world, key_id):
    provider, engine, events = world
    mint(provider, engine, events, key_id, purpose="run", owner="r", actor="t")
    destroy(provider, engine, events, key_id, actor="op")
    assert not provider.exists(key_id)
    assert _stored(engine, key_id)["wrapped"] is None
    with pytest.raises(KeyDestroyedError):
        fetch(provider, engine, key_id)


def test_a_key_is_only_destroyed_through_the_provider_that_holds_it(world, key_id):
    provider, engine, events = world
    mint(provider, engine, events, key_id, purpose="run", owner="r", actor="t")
    provider.name = "elsewhere"  # the settings now name another provider
    with pytest.raises(KeyProviderError, match="held by the local provider"):
        destroy(provider, engine, events, key_id, actor="op")
    del provider.name
    assert provider.exists(key_id)
    assert _stored(engine, key_id)["wrapped"] is not None  # not marked destroyed either
