"""Crypto-shredding: a run's key destroyed at its provider, its staging deleted, a signed
certificate for the controller — once a run is verified, or when its mandate's retention for
staging runs out (``sceau retention enforce``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select, update

from sceau.errors import SceauError
from sceau.events import CertificateIssued, StagingShredded
from sceau.keys import material
from sceau.mandate.parse import parse_mandate
from sceau.migrate.certificate import Certificate, issue_certificate
from sceau.migrate.runs import RunBusy, run_lock, total
from sceau.migrate.session import MigrationSession
from sceau.migrate.staging import Staging
from sceau.store.schema import mandates, runs


def shred_run(session: MigrationSession, run_id: str, *, reason: str) -> Certificate:
    """Crypto-shred one run's staging: destroy its key, delete its folder, record who and when,
    and sign the deletion certificate. Safe to call again on a run stopped half-way through."""
    with session.engine.connect() as connection:
        row = connection.execute(select(runs).where(runs.c.run_id == run_id)).mappings().one()
        signed = (
            connection.execute(select(mandates).where(mandates.c.sha256 == row["mandate_sha256"]))
            .mappings()
            .one()
        )
    material.destroy(
        session.provider, session.engine, session.events, row["key_id"], actor=session.actor
    )
    Staging(Path(row["staging_path"]), run_id, b"").delete()
    shredded_at = session.now()
    session.events.record(
        StagingShredded(actor=session.actor, run_id=run_id, key_id=row["key_id"], reason=reason)
    )
    mandate = parse_mandate(signed["body"].encode("utf-8"), where="stored mandate")
    staged = total(session.engine, run_id, "staged")
    loaded = total(session.engine, run_id, "loaded")
    body = {
        "certificate": "deletion",
        "schema_version": 1,
        "run_id": run_id,
        "reason": reason,
        "mandate": {
            "mandate_id": mandate.mandate_id,
            "sha256": row["mandate_sha256"],
            "controller": {"name": mandate.controller.name, "finess": mandate.controller.finess},
            "processor": {"name": mandate.processor.name},
            "overrides": [
                {"source": rule.source, "detected": rule.detected, **rule.override}
                for rule in mandate.columns
                if rule.override is not None
            ],
        },
        "source": row["source"],
        "destination": row["destination"],
        "rows": {"staged": staged.rows, "loaded": loaded.rows},
        "digests": {"staged": staged.hex, "loaded": loaded.hex},
        "key": {"key_id": row["key_id"], "provider": row["key_provider"], "destroyed": True},
        "staging": {"path": row["staging_path"], "deleted": True},
        "shredded_at": shredded_at.isoformat(timespec="seconds"),
        "shredded_by": session.actor,
    }
    certificate = issue_certificate(
        session.provider, session.engine, session.events, body, actor=session.actor
    )
    summary = dict(row["summary"] or {})
    summary["certificate"] = certificate.to_dict()
    with session.engine.begin() as connection:
        connection.execute(
            update(runs)
            .where(runs.c.run_id == run_id)
            .values(
                status="shredded",
                shredded_at=shredded_at,
                shredded_by=session.actor,
                summary=summary,
            )
        )
    session.events.record(
        CertificateIssued(actor=session.actor, run_id=run_id, certificate_sha256=certificate.sha256)
    )
    return certificate


def overdue_runs(engine: Engine, now: datetime) -> list[str]:
    """Runs whose staging still exists past the mandate's retention."""
    query = select(runs.c.run_id, runs.c.retention_until).where(runs.c.shredded_at.is_(None))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [run_id for run_id, until in rows if _aware(until) <= now]


@dataclass
class Enforced:
    """What one ``retention enforce`` did: the certificates, and the runs it could not shred."""

    certificates: list[Certificate] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # a process is driving them right now
    failed: list[tuple[str, str]] = field(default_factory=list)  # run id, why


def enforce_retention(session: MigrationSession) -> Enforced:
    """Shred every overdue run that no process is driving; one certificate each. A run that
    cannot be shredded is reported and the others are still shredded."""
    done = Enforced()
    for run_id in overdue_runs(session.engine, session.now()):
        try:
            with run_lock(session.settings.staging_root, run_id):
                done.certificates.append(shred_run(session, run_id, reason="retention"))
        except RunBusy:
            done.busy.append(run_id)
        except SceauError as error:
            done.failed.append((run_id, str(error)))
    return done


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
