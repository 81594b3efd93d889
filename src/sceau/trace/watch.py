"""The service's own sweeps: the locations of the ``sweep`` setting, every ``sweep_hours``.

Each round sweeps as ``sceau`` and records its finds; the ``stray-copy`` rule raises them at
the next supervision round. A file already found, and unchanged since (same size and time), is
not traced or recorded again while the service runs, and its alert is raised once whatever
happens (``once``): the same stray copy is one alert, not one a round. A file that changed, or
whose copy came back, is a new find.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine

from sceau.config import Settings
from sceau.events import EventSink
from sceau.keys import open_provider
from sceau.trace.declared import declared_locations
from sceau.trace.index import TraceIndex
from sceau.trace.key import trace_key
from sceau.trace.places import Candidate
from sceau.trace.sweep import Sweep, SweepReport, record_finds

_ACTOR = "sceau"


@dataclass
class Watch:
    """Sweeps the configured locations, remembering what it found."""

    settings: Settings
    engine: Engine
    events: EventSink
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    found: set[tuple[str, int, datetime]] = field(default_factory=set)
    stopping: threading.Event = field(default_factory=threading.Event)  # set: end the sweep

    def round(self) -> SweepReport:
        """One sweep of every configured location; its finds recorded in the audit trail."""
        provider = open_provider(self.settings)
        try:
            secret = trace_key(provider, self.engine, self.events, actor=_ACTOR)
        finally:
            provider.close()
        sweep = Sweep(
            index=TraceIndex(self.engine, self.settings.home / "trace"),
            secret=secret,
            excluded=declared_locations(self.settings, self.engine),
            max_mb=self.settings.sweep_max_mb,
            password=self.settings.ftp_password,
            clock=self.clock,
        )
        report = sweep.run(self.settings.sweep, already=self._known, stop=self.stopping.is_set)
        record_finds(self.events, report, actor=_ACTOR)
        self.found |= {(find.path, find.size, find.modified) for find in report.finds}
        return report

    def _known(self, candidate: Candidate) -> bool:
        return (candidate.public, candidate.size, candidate.modified) in self.found
