"""Who runs a migration, with what: the settings, the store, the trail, the key provider and the
operator, handed to every stage (the pipeline, shredding, retention) so none imports another
for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from sceau.config import Settings
from sceau.events import EventSink
from sceau.keys.base import KeyProvider
from sceau.keys.db_passwords import DatabasePasswords
from sceau.migrate.progress import MigrateProgress, Silent


@dataclass
class MigrationSession:
    """Who runs, with what: everything the driver needs besides the mandate."""

    settings: Settings
    engine: Engine
    events: EventSink
    provider: KeyProvider
    actor: str
    progress: MigrateProgress = field(default_factory=Silent)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def connect_url(self, location: str) -> str:
        """``location`` as sceau connects to it: with the password kept for it, if any."""
        return DatabasePasswords(self.engine, self.provider).connect_url(location)
