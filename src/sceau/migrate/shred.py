"""Crypto-shredding: a run's key destroyed at its provider, its staging deleted, a signed
certificate for the controller — once a run is verified, or when its mandate's retention for
staging runs out (``sceau retention enforce``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from sceau.errors import SceauError
from sceau.events import CertificateIssued, StagingShredded
from sceau.keys import material
from sceau.mandate.parse import parse_mandate
from sceau.migrate import runs
from sceau.migrate.certificate import Certificate, issue_certificate
from sceau.migrate.session import MigrationSession
from sceau.migrate.staging import Staging
from sceau.migrate.state import RunState
from sceau.store.schema import mandates


def shred_run(
    session: MigrationSession,
    run_id: str,
    *,
    reason: str,
    final: RunState = RunState.SHREDDED,
) -> Certificate:
    """Crypto-shred one run's staging: destroy its key, delete its folder, record who and when,
    sign the deletion certificate and move the run to ``final`` (``shredded``, or
    ``abandoned``). Safe to call again on a run stopped half-way through."""
    record = runs.find_run(session.engine, run_id)
    if record is None:
        raise SceauError("no run with this id", hint="`sceau runs list` shows them", where=run_id)
    with session.engine.connect() as connection:
        signed = (
            connection.execute(select(mandates).where(mandates.c.sha256 == record.mandate_sha256))
            .mappings()
            .one()
        )
    material.destroy(
        session.provider, session.engine, session.events, record.key_id, actor=session.actor
    )
    Staging(Path(record.staging_path), run_id, b"").delete()
    shredded_at = session.now()
    session.events.record(
        StagingShredded(actor=session.actor, run_id=run_id, key_id=record.key_id, reason=reason)
    )
    mandate = parse_mandate(signed["body"].encode("utf-8"), where="stored mandate")
    staged = runs.total(session.engine, run_id, "staged")
    loaded = runs.total(session.engine, run_id, "loaded")
    body = {
        "certificate": "deletion",
        "schema_version": 1,
        "run_id": run_id,
        "reason": reason,
        "mandate": {
            "mandate_id": mandate.mandate_id,
            "sha256": record.mandate_sha256,
            "controller": {"name": mandate.controller.name, "finess": mandate.controller.finess},
            "processor": {"name": mandate.processor.name},
            "overrides": [
                {"source": rule.source, "detected": rule.detected, **rule.override}
                for rule in mandate.columns
                if rule.override is not None
            ],
        },
        "source": record.source,
        "destination": record.destination,
        "rows": {"staged": staged.rows, "loaded": loaded.rows},
        "digests": {"staged": staged.hex, "loaded": loaded.hex},
        "key": {"key_id": record.key_id, "provider": record.key_provider, "destroyed": True},
        "staging": {"path": record.staging_path, "deleted": True},
        "shredded_at": shredded_at.isoformat(timespec="seconds"),
        "shredded_by": session.actor,
    }
    certificate = issue_certificate(
        session.provider, session.engine, session.events, body, actor=session.actor
    )
    runs.move(
        session.engine,
        run_id,
        record.state,
        final,
        shredded_at=shredded_at,
        shredded_by=session.actor,
        summary={"certificate": certificate.to_dict()},
    )
    session.events.record(
        CertificateIssued(actor=session.actor, run_id=run_id, certificate_sha256=certificate.sha256)
    )
    return certificate


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
    for run_id in runs.overdue_runs(session.engine, session.now()):
        try:
            with runs.run_lock(session.settings.staging_root, run_id):
                done.certificates.append(shred_run(session, run_id, reason="retention"))
        except runs.RunBusy:
            done.busy.append(run_id)
        except SceauError as error:
            done.failed.append((run_id, str(error)))
    return done
