"""``/api/scans``: a scan report handed to the service for one of the person's labs, the lab's
reports listed, and each one read back as JSON, HTML (for the DPO) or SARIF (for CI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath, JSONBody

from sceau.accounts import AccessDenied
from sceau.accounts.labs import labs_of
from sceau.reports.base import ReportFormat, render
from sceau.web.console.render import Req, language_of
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.scans import MAX_REPORT_BYTES, ScanListing, list_scans, receive_scan, stored_scan
from sceau.web.service import NotFound, RowNumber

_MEDIA = {
    ReportFormat.JSON: "application/json",
    ReportFormat.HTML: "text/html; charset=utf-8",
    ReportFormat.SARIF: "application/sarif+json",
}


@dataclass
class ScanUpload:
    finess: str  # the lab whose data was scanned
    report: dict[str, Any]  # the JSON report `sceau scan --json` writes


def _labs(request: Req) -> frozenset[str]:
    return labs_of(service_of(request).engine, principal_of(request).user.name)


@post(
    "/api/scans",
    opt=needs("scan"),
    sync_to_thread=True,
    status_code=201,
    request_max_body_size=MAX_REPORT_BYTES,
)
def upload_scan(request: Req, data: JSONBody[ScanUpload]) -> dict[str, Any]:
    """Hand the service the report of a scan of one of your labs' data (names, counts and
    shapes: ``sceau --server URL scan SOURCE --lab FINESS`` sends it)."""
    if data.finess not in _labs(request):
        raise AccessDenied(
            "this lab is not one of yours",
            hint="an admin adds you to the lab (sceau labs add); check the FINESS",
            where="finess",
        )
    user = principal_of(request).user.name
    kept = receive_scan(service_of(request), data.report, finess=data.finess, by=user)
    return {"scan_id": kept.scan_id, "page": f"/scans/{kept.scan_id}"}


@get("/api/scans", opt=needs("reports.read"), sync_to_thread=True)
def scans_list(request: Req) -> dict[str, Any]:
    """Your labs' scan reports, the latest first."""
    return {
        "scans": [listing_json(s) for s in list_scans(service_of(request).engine, _labs(request))]
    }


@get("/api/scans/{scan_id:int}", opt=needs("reports.read"), sync_to_thread=True)
def scan_show(request: Req, scan_id: RowNumber) -> dict[str, Any]:
    """One scan report of your labs, as ``sceau scan --json`` wrote it, with who handed it in."""
    kept = stored_scan(service_of(request).engine, scan_id, _labs(request))
    return {
        "scan_id": kept.scan_id,
        "finess": kept.finess,
        "received_by": kept.received_by,
        "received_at": kept.received_at.isoformat(timespec="seconds"),
        "sha256": kept.sha256,
        "report": kept.report.to_dict(),
    }


@get("/api/scans/{scan_id:int}/report/{fmt:str}", opt=needs("reports.read"), sync_to_thread=True)
def scan_download(request: Req, scan_id: RowNumber, fmt: FromPath[str]) -> Response[str]:
    """One scan report of your labs as a file: ``json``, ``html`` or ``sarif``."""
    kept = stored_scan(service_of(request).engine, scan_id, _labs(request))
    try:
        chosen = ReportFormat(fmt)
    except ValueError:
        raise NotFound("a scan report is kept as json, html or sarif", where=fmt) from None
    name = f"scan-{kept.scan_id}.{chosen.value}"
    return Response(
        render(kept.report, chosen, language_of(request)),
        media_type=_MEDIA[chosen],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def listing_json(listing: ScanListing) -> dict[str, Any]:
    """One line of the list, as the API and the console show it."""
    return {
        "scan_id": listing.scan_id,
        "finess": listing.finess,
        "tables": listing.tables,
        "columns": listing.columns,
        "started_at": listing.started_at.isoformat(timespec="seconds"),
        "received_by": listing.received_by,
        "received_at": listing.received_at.isoformat(timespec="seconds"),
    }


ROUTES = [upload_scan, scans_list, scan_show, scan_download]
