"""What a finished (or stopped) run did: the facts its report and certificate state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sceau.mandate.verify import VerifiedMandate
from sceau.migrate.certificate import Certificate
from sceau.migrate.state import RunState
from sceau.migrate.verify import Digest


@dataclass
class RunOutcome:
    """A run as the driver holds it while it goes, and as the report states it after."""

    run_id: str
    verified: VerifiedMandate
    status: RunState
    source: str
    destination: str
    connected_to: list[str] = field(default_factory=list)  # where the target's connections went
    operator: str = ""  # the account that started the run
    source_rows: int = 0
    refused_rows: int = 0
    staged: Digest = field(default_factory=Digest)
    loaded: Digest = field(default_factory=Digest)
    batches: int = 0
    key_id: str = ""
    key_provider: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    shredded_at: datetime | None = None
    shredded_by: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    certificate: Certificate | None = None
