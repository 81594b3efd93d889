"""The installation's trace key: what makes a fingerprint unguessable. It is minted once, kept
wrapped by the key provider like every other secret (:mod:`sceau.keys.material`), and in clear
only in the memory of the process that fingerprints or traces."""

from __future__ import annotations

from sqlalchemy import Engine

from sceau.events import EventSink
from sceau.keys.base import KeyProvider
from sceau.keys.material import fetch, mint

TRACE_KEY_ID = "sceau-trace-index"


def trace_key(provider: KeyProvider, engine: Engine, events: EventSink, *, actor: str) -> bytes:
    """The trace key, minted the first time it is asked for."""
    held = fetch(provider, engine, TRACE_KEY_ID)
    if held is None:
        held = mint(
            provider,
            engine,
            events,
            TRACE_KEY_ID,
            purpose="trace",
            owner="installation",
            actor=actor,
        )
    return held.value
