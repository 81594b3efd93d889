"""The migration report for the controller: what moved, what was refused and why, the
treatments applied, the verification and the shredding — "extracted versus mandated", the
comparison the 2021 vendor could never show. Names, counts and digests only: no values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sceau._version import __version__
from sceau.mandate.model import Treatment
from sceau.migrate.outcome import RunOutcome
from sceau.reports import Report, ReportFormat, write_report
from sceau.reports.i18n import Translator


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


@dataclass
class MigrationReport:
    """A run's report for the controller, rendered as JSON or HTML by :mod:`sceau.reports`."""

    outcome: RunOutcome
    kind: str = "migration"

    def to_dict(self) -> dict[str, Any]:
        outcome = self.outcome
        verified = outcome.verified
        mandate = verified.mandate
        named = {rule.source for rule in mandate.columns}
        moved = [
            {
                "source": rule.source,
                "target": rule.target,
                "treatment": rule.spec,
                "detected": rule.detected,
                "override": rule.override,
            }
            for rule in mandate.moved
        ]
        refused = [
            {
                "source": rule.source,
                "detected": rule.detected,
                "override": rule.override,
                "reason": "dropped by the mandate",
            }
            for rule in mandate.columns
            if rule.treatment is Treatment.DROP
        ] + [
            {
                "source": name,
                "detected": None,
                "override": None,
                "reason": "not named in the mandate (deny by default)",
            }
            for name in mandate.source_columns
            if name not in named
        ]
        scope = [
            {
                "column": c.column,
                "in": list(c.one_of) if c.one_of else None,
                "from": c.since.isoformat() if c.since else None,
                "until": c.until.isoformat() if c.until else None,
            }
            for c in mandate.rows
        ]
        return {
            "report": self.kind,
            "schema_version": 1,
            "sceau_version": __version__,
            "run_id": outcome.run_id,
            "status": outcome.status,
            "operator": outcome.operator,
            "mandate": {
                "mandate_id": mandate.mandate_id,
                "sha256": verified.sha256,
                "signer": verified.signer,
                "fingerprint": verified.fingerprint,
                "signed_at": _iso(verified.signed_at),
                "controller": {
                    "name": mandate.controller.name,
                    "finess": mandate.controller.finess,
                },
                "processor": {"name": mandate.processor.name},
                "purpose": mandate.purpose,
                "legal_reference": mandate.legal_reference,
                "valid_from": _iso(mandate.valid_from),
                "valid_until": _iso(mandate.valid_until),
            },
            "source": outcome.source,
            "destination": outcome.destination,
            "connected_to": list(outcome.connected_to),
            "destination_table": mandate.destination_table,
            "extracted_versus_mandated": {
                "source_columns": len(mandate.source_columns),
                "columns_moved": len(moved),
                "columns_refused": len(refused),
                "source_rows": outcome.source_rows,
                "rows_in_scope": outcome.staged.rows,
                "rows_refused": outcome.refused_rows,
                "rows_loaded": outcome.loaded.rows,
            },
            "columns_moved": moved,
            "columns_refused": refused,
            "row_scope": scope,
            "verification": {
                "staged_rows": outcome.staged.rows,
                "staged_digest": outcome.staged.hex,
                "target_rows": outcome.loaded.rows,
                "target_digest": outcome.loaded.hex,
                "match": outcome.staged == outcome.loaded,
            },
            "shredding": {
                "key_id": outcome.key_id,
                "key_provider": outcome.key_provider,
                "shredded_at": _iso(outcome.shredded_at),
                "shredded_by": outcome.shredded_by,
                "certificate_sha256": outcome.certificate.sha256 if outcome.certificate else None,
            },
            "started_at": _iso(outcome.started_at),
            "finished_at": _iso(outcome.finished_at),
            "timings": dict(outcome.timings),
            "batches": outcome.batches,
        }


def write_outcome(outcome: RunOutcome, folder: Path, words: Translator | None = None) -> list[Path]:
    """The migration report and, once shredded, the certificate, as JSON and HTML (the HTML in
    the language of ``words``; the JSON, signed or not, is the same in every language)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    language = words.language if words is not None else None
    documents: list[tuple[str, Report]] = [("migration", MigrationReport(outcome))]
    if outcome.certificate is not None:
        documents.append(("certificate", outcome.certificate))
    return [
        write_report(document, fmt, folder / f"{name}.{fmt.value}", language)
        for name, document in documents
        for fmt in (ReportFormat.JSON, ReportFormat.HTML)
    ]
