"""How an event becomes a leaf of the audit log, and back.

A leaf is the event's RFC 8785 canonical JSON (:mod:`sceau.crypto.canonical`), ``seq`` (its
position) inside. Those bytes are what the Merkle tree hashes, so they never change once
written; reading an event back parses them, never the index columns beside them. Entries hold
strings, integers, booleans and null, for which RFC 8785 writes the same bytes as the sorted,
compact JSON sceau wrote before it: a trail written earlier reads and verifies unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sceau.crypto.canonical import canonical_json
from sceau.errors import SceauError
from sceau.events import Event


@dataclass(frozen=True)
class LoggedEvent:
    """An event as the audit log holds it."""

    seq: int
    at: datetime
    name: str
    actor: str
    payload: dict[str, Any]

    def get(self, field: str, default: Any = None) -> Any:
        return self.payload.get(field, default)


def encode(seq: int, event: Event) -> bytes:
    """The leaf bytes for ``event`` at position ``seq``."""
    body = {
        "seq": seq,
        "at": event.at.isoformat(),
        "name": event.name,
        "actor": event.actor,
        "payload": event.payload(),
    }
    return canonical_json(body, plain=event.exact_json)


class EntryError(SceauError):
    """A leaf is not an event sceau wrote: the trail was altered there."""


def decode(entry: bytes) -> LoggedEvent:
    """The event back from its leaf bytes; EntryError if they are not what sceau writes."""
    try:
        body = json.loads(entry)
        event = LoggedEvent(
            seq=int(body["seq"]),
            at=datetime.fromisoformat(body["at"]),
            name=str(body["name"]),
            actor=str(body["actor"]),
            payload=dict(body["payload"]),
        )
    except (ValueError, TypeError, KeyError):
        raise EntryError(
            "an audit entry cannot be read: it is not what sceau wrote",
            hint="run sceau audit verify to find where the trail was altered",
        ) from None
    return event
