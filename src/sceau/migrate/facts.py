"""A run as people read it: the facts ``sceau runs`` prints and the service's ``/api/runs`` gives.

One function for both, so the CLI on the service's machine and a client of the service see the
same run the same way.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from sceau.migrate import runs as repository
from sceau.migrate.certificate import certificate_sha256
from sceau.migrate.runs import RunRecord

PHASES = ("staged", "loaded")


def run_facts(staging_root: Path, record: RunRecord, rows: dict[str, int]) -> dict[str, Any]:
    """A run's facts, JSON-ready: names, states, times and counts (no patient data)."""
    interrupted = record.state.driving and not repository.is_driven(staging_root, record.run_id)
    certificate = record.summary.get("certificate")
    reports = record.summary.get("reports")
    path = Path(reports) / "certificate.json" if reports and certificate else None
    return {
        "run_id": record.run_id,
        "mandate_id": record.mandate_id,
        "mandate_sha256": record.mandate_sha256,
        "state": record.state.value,
        "interrupted": interrupted,
        "stopped_while": record.stopped_while.value if record.stopped_while else None,
        "error": record.summary.get("error"),  # what stopped it, as the service noted it
        "operator": record.actor,
        "source": record.source,
        "destination": record.destination,
        "started_at": _iso(record.started_at),
        "finished_at": _iso(record.finished_at),
        "shredded_at": _iso(record.shredded_at),
        "shredded_by": record.shredded_by,
        "retention_until": _iso(record.retention_until),
        "rows": {phase: rows.get(phase, 0) for phase in PHASES},
        "certificate": {
            "reason": certificate["reason"],
            "sha256": certificate_sha256(certificate),
            "path": str(path) if path is not None and path.exists() else None,
        }
        if certificate
        else None,
    }


def run_details(engine: Engine, staging_root: Path, record: RunRecord) -> dict[str, Any]:
    """A run's facts with its checkpoints, phase by phase (what ``runs show`` gives)."""
    checkpoints = repository.checkpoint_list(engine, record.run_id)
    rows = {phase: sum(c.rows for c in checkpoints if c.phase == phase) for phase in PHASES}
    fact = run_facts(staging_root, record, rows)
    fact["checkpoints"] = [
        {
            "phase": c.phase,
            "batch": c.batch,
            "rows": c.rows,
            "refused_rows": c.refused_rows,
            "at": c.at.isoformat(timespec="seconds"),
        }
        for c in checkpoints
    ]
    return fact


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None
