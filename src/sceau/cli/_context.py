"""What every data-touching command needs: settings, the state store, the audit log, and the
logged-in individual whose role allows the command (refused otherwise, and the refusal logged)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import click
from sqlalchemy import Engine

from sceau.accounts import User, require
from sceau.audit.sink import AuditLog
from sceau.config import Settings, load_settings
from sceau.store import open_store

if TYPE_CHECKING:
    from sceau.cli._remote import Remote


@dataclass
class Context:
    settings: Settings

    @classmethod
    def load(cls) -> Context:
        """The settings, with ``sceau --server URL`` standing for the ``server`` setting."""
        root = click.get_current_context(silent=True)
        server = root.find_root().params.get("server") if root is not None else None
        return cls(load_settings(**({"server": server} if server else {})))

    def remote(self) -> Remote | None:
        """The service to work through, if ``server`` is set; None to work locally."""
        if not self.settings.server:
            return None
        from sceau.cli._remote import Remote  # HTTP only for those who use it

        return Remote(self.settings)

    @cached_property
    def engine(self) -> Engine:
        return open_store(self.settings.store)

    @cached_property
    def events(self) -> AuditLog:
        return AuditLog.from_settings(self.settings, self.engine)

    def actor(self, action: str) -> User:
        """The logged-in individual, if their role allows ``action``; SceauError otherwise."""
        return require(self.settings, self.engine, self.events, action)
