"""Scan reports kept by the service, each for one lab.

The scan runs where the data is (the operator's ``sceau --server URL scan SOURCE --lab FINESS``
reads the old vendor's database on its own side); what reaches the service is the report —
column names, categories, counts, shapes, never a value — read back as strictly as sceau's own
(:mod:`sceau.detect.report_read`). The lab's controller reviews it in the console and drafts
the mandate from it; only the people of that lab see it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select

from sceau.accounts.labs import check_finess
from sceau.detect.base import Sensitivity
from sceau.detect.report import ScanReport
from sceau.detect.report_read import read_scan_report
from sceau.events import ScanReceived
from sceau.store.schema import scan_reports
from sceau.web.service import NotFound, Service

MAX_REPORT_BYTES = 32 * 1024 * 1024  # a fleet's report is large; one table's is a few KiB


@dataclass(frozen=True)
class StoredScan:
    """One received report, and whose it is."""

    scan_id: int
    finess: str
    report: ScanReport
    sha256: str
    tables: int
    columns: int
    received_by: str
    received_at: datetime


@dataclass(frozen=True)
class ScanListing:
    """What the list of a lab's scans shows, without reading each report."""

    scan_id: int
    finess: str
    tables: int
    columns: int
    started_at: datetime
    received_by: str
    received_at: datetime


def receive_scan(service: Service, document: object, *, finess: str, by: str) -> StoredScan:
    """Check ``document`` (a parsed JSON scan report) and keep it for the lab ``finess``; a
    report whose receipt the audit trail cannot record is not kept."""
    check_finess(finess)
    report = read_scan_report(document, where="report")
    text = json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    columns = [c for t in report.tables for c in t.columns]
    now = service.clock()
    with service.engine.begin() as connection:
        scan_id = int(
            connection.execute(
                insert(scan_reports).values(
                    finess=finess,
                    sha256=digest,
                    report=text,
                    tables=len(report.tables),
                    columns=len(columns),
                    started_at=report.started_at,
                    received_by=by,
                    received_at=now,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
    event = ScanReceived(
        actor=by,
        scan_id=scan_id,
        lab=finess,
        tables=len(report.tables),
        columns=len(columns),
        sensitive_columns=sum(1 for c in columns if c.sensitivity is not Sensitivity.NONE),
        report_sha256=digest,
        at=now,
    )
    try:
        service.log.record(event)
    except BaseException:  # a report the trail cannot log is not kept
        with service.engine.begin() as connection:
            connection.execute(delete(scan_reports).where(scan_reports.c.scan_id == scan_id))
        raise
    return StoredScan(scan_id, finess, report, digest, len(report.tables), len(columns), by, now)


def list_scans(engine: Engine, labs: frozenset[str]) -> list[ScanListing]:
    """The scans of ``labs``, the latest first."""
    query = (
        select(
            scan_reports.c.scan_id,
            scan_reports.c.finess,
            scan_reports.c.tables,
            scan_reports.c.columns,
            scan_reports.c.started_at,
            scan_reports.c.received_by,
            scan_reports.c.received_at,
        )
        .where(scan_reports.c.finess.in_(sorted(labs)))
        .order_by(scan_reports.c.scan_id.desc())
    )
    with engine.connect() as connection:
        return [ScanListing(**row._mapping) for row in connection.execute(query)]


def stored_scan(engine: Engine, scan_id: int, labs: frozenset[str]) -> StoredScan:
    """The scan ``scan_id`` if it is of one of ``labs``; NotFound otherwise, either way alike."""
    with engine.connect() as connection:
        row = connection.execute(
            select(scan_reports).where(scan_reports.c.scan_id == scan_id)
        ).first()
    if row is None or row.finess not in labs:
        raise NotFound(
            "no scan with this number among your labs' scans",
            where=f"scan {scan_id}",
            elsewhere=row is not None,
        )
    report = read_scan_report(json.loads(row.report), where=f"scan {scan_id}")
    return StoredScan(
        row.scan_id,
        row.finess,
        report,
        row.sha256,
        row.tables,
        row.columns,
        row.received_by,
        row.received_at,
    )
