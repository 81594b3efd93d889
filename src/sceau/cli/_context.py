"""What every data-touching command needs: settings, the state store, the audit log, and the
logged-in individual whose role allows the command (refused otherwise, and the refusal logged)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from sceau.accounts import User, require
from sceau.audit.sink import AuditLog
from sceau.config import Settings, load_settings
from sceau.store import open_store


@dataclass
class Context:
    settings: Settings

    @classmethod
    def load(cls) -> Context:
        return cls(load_settings())

    @cached_property
    def engine(self) -> Engine:
        return open_store(self.settings.store)

    @cached_property
    def events(self) -> AuditLog:
        return AuditLog.from_settings(self.settings, self.engine)

    def actor(self, action: str) -> User:
        """The logged-in individual, if their role allows ``action``; SceauError otherwise."""
        return require(self.settings, self.engine, self.events, action)
