"""The trace key is minted once, wrapped by the key provider, and the same on every use."""

from __future__ import annotations

from tests.migrate.world import make_world

from sceau.keys import open_provider
from sceau.store.schema import keys
from sceau.trace.key import TRACE_KEY_ID, trace_key


def test_the_trace_key_is_minted_once_and_kept_wrapped(tmp_path):
    world = make_world(tmp_path)
    provider = open_provider(world.settings)
    try:
        first = trace_key(provider, world.engine, world.events, actor="sceau")
        again = trace_key(provider, world.engine, world.events, actor="sceau")
    finally:
        provider.close()
    assert first == again
    assert len(first) == 32
    with world.engine.connect() as connection:
        (row,) = connection.execute(keys.select().where(keys.c.key_id == TRACE_KEY_ID)).all()
    assert row.purpose == "trace"
    assert first not in row.wrapped
    assert [e.get("key_id") for e in world.events.read() if e.name == "key.created"].count(
        TRACE_KEY_ID
    ) == 1
