"""Draft mandates kept in the store, one lab's each, until the controller signs one.

A draft is made from a scan (:func:`sceau.mandate.draft.draft_mandate`), its controller named by
the lab's FINESS so that only that lab's people see it; it keeps the scan's column findings
(categories, counts and the detectors' reasons, never a value) for the review. Every change is
an event in the audit trail before it is written: no event, no change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from sceau.detect.report import ScanReport
from sceau.events import DraftChanged, DraftCreated, Event, EventSink, FindingOverruled
from sceau.mandate.draft import TODO_CONTROLLER, draft_mandate, pick_table
from sceau.mandate.draft_edit import column_rules, read_toml
from sceau.mandate.model import Party
from sceau.store.schema import mandate_drafts


@dataclass(frozen=True)
class Draft:
    """One draft as the store holds it."""

    draft_id: str
    lab: str
    scan_id: int | None
    mandate_id: str
    body: str
    findings: list[dict[str, Any]]  # the scan's findings per column, as its report writes them
    created_by: str
    created_at: datetime
    changed_by: str
    changed_at: datetime

    def finding(self, column: str) -> dict[str, Any] | None:
        return next((f for f in self.findings if f.get("name") == column), None)


def create_draft(
    engine: Engine,
    events: EventSink,
    *,
    lab: str,
    report: ScanReport,
    table: str | None,
    source: str,
    scan_id: int | None,
    by: str,
    now: datetime,
) -> str:
    """A new draft for ``lab`` from a scan of ``source`` (``table`` picks one); its id."""
    body = draft_mandate(
        source,
        table=table,
        scan_report=report,
        controller=Party(TODO_CONTROLLER, lab),
        today=now.date(),
    )
    findings = pick_table(report, table).to_dict()["columns"]
    draft_id = secrets.token_hex(8)
    mandate_id = str(read_toml(body)["mandate_id"])
    events.record(
        DraftCreated(
            actor=by,
            draft_id=draft_id,
            lab=lab,
            mandate_id=mandate_id,
            columns=len(column_rules(body)),
            scan_id=scan_id,
            at=now,
        )
    )
    row = {
        "draft_id": draft_id,
        "finess": lab,
        "scan_id": scan_id,
        "mandate_id": mandate_id,
        "body": body,
        "findings": findings,
        "created_by": by,
        "created_at": now,
        "changed_by": by,
        "changed_at": now,
    }
    with engine.begin() as connection:
        connection.execute(insert(mandate_drafts).values(**row))
    return draft_id


def find_draft(engine: Engine, draft_id: str) -> Draft | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(mandate_drafts).where(mandate_drafts.c.draft_id == draft_id)
        ).first()
    return None if row is None else _draft(row._mapping)


def list_drafts(engine: Engine, labs: frozenset[str]) -> list[Draft]:
    """The drafts of ``labs``, the latest changed first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(mandate_drafts)
            .where(mandate_drafts.c.finess.in_(sorted(labs)))
            .order_by(mandate_drafts.c.changed_at.desc(), mandate_drafts.c.draft_id)
        ).all()
    return [_draft(row._mapping) for row in rows]


def save_change(
    engine: Engine,
    events: EventSink,
    draft: Draft,
    body: str,
    *,
    field: str,
    by: str,
    now: datetime,
) -> None:
    """Keep ``body`` as the draft's new text, recorded as a change of ``field``."""
    event = DraftChanged(
        actor=by,
        draft_id=draft.draft_id,
        lab=draft.lab,
        mandate_id=draft.mandate_id,
        field=field,
        at=now,
    )
    _save(engine, events, draft, body, event, by=by, now=now)


def save_overrule(
    engine: Engine,
    events: EventSink,
    draft: Draft,
    body: str,
    *,
    column: str,
    by: str,
    now: datetime,
) -> None:
    """Keep ``body``, where the controller overruled (or took back) the scan's finding on
    ``column``, recorded with the controller's category and reason."""
    rule = column_rules(body)[column]
    event = FindingOverruled(
        actor=by,
        draft_id=draft.draft_id,
        lab=draft.lab,
        mandate_id=draft.mandate_id,
        column=column,
        detected=str(rule.get("detected", "")),
        category=str(rule.get("category", "")),
        reason=str(rule.get("reason", "")),
        at=now,
    )
    _save(engine, events, draft, body, event, by=by, now=now)


def _save(
    engine: Engine,
    events: EventSink,
    draft: Draft,
    body: str,
    event: Event,
    *,
    by: str,
    now: datetime,
) -> None:
    events.record(event)
    with engine.begin() as connection:
        connection.execute(
            update(mandate_drafts)
            .where(mandate_drafts.c.draft_id == draft.draft_id)
            .values(body=body, changed_by=by, changed_at=now)
        )


def _draft(row: Any) -> Draft:
    return Draft(
        draft_id=row["draft_id"],
        lab=row["finess"],
        scan_id=row["scan_id"],
        mandate_id=row["mandate_id"],
        body=row["body"],
        findings=list(row["findings"] or []),
        created_by=row["created_by"],
        created_at=row["created_at"],
        changed_by=row["changed_by"],
        changed_at=row["changed_at"],
    )
