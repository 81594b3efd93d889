"""Who runs a migration, with what: the settings, the store, the trail, the key provider and the
operator, handed to every stage (the pipeline, shredding, retention) so none imports another
for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Engine

from sceau.config import Settings
from sceau.events import EventSink
from sceau.keys.base import KeyProvider
from sceau.keys.db_passwords import DatabasePasswords
from sceau.mandate.proof import ProvenTrail
from sceau.progress import Progress, Silent


class Trail(EventSink, ProvenTrail, Protocol):
    """The audit trail a run writes to, and which proves the keys its mandate is signed with."""


class StopRequest:
    """A request to stop a run cleanly: set from outside (the CLI's signal handler), looked at
    by the driver after each batch's checkpoint, so the run stops where it can resume."""

    def __init__(self) -> None:
        self.requested = False

    def request(self) -> None:
        self.requested = True


@dataclass
class MigrationSession:
    """Who runs, with what: everything the driver needs besides the mandate."""

    settings: Settings
    engine: Engine
    events: Trail
    provider: KeyProvider
    actor: str
    progress: Progress = field(default_factory=Silent)
    stop: StopRequest = field(default_factory=StopRequest)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def connect_url(self, location: str) -> str:
        """``location`` as sceau connects to it: with the password kept for it, if any."""
        return DatabasePasswords(self.engine, self.provider).connect_url(location)
