"""The scan reports of my labs as pages: the list, and one report with every column's category,
confidence and the reasons behind it — what the controller reads before drafting a mandate."""

from __future__ import annotations

from litestar import Response, get

from sceau.accounts.labs import labs_of
from sceau.web.console.pages import whoami
from sceau.web.console.render import Req, page, render, words_of
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.scan_routes import listing_json
from sceau.web.scans import list_scans, stored_scan
from sceau.web.service import RowNumber


def _labs(request: Req) -> frozenset[str]:
    return labs_of(service_of(request).engine, principal_of(request).user.name)


@get("/scans", opt={**needs("reports.read"), **page()}, sync_to_thread=True)
def scans_page(request: Req) -> Response[str]:
    """My labs' scan reports, the latest first."""
    found = list_scans(service_of(request).engine, _labs(request))
    return render(
        request,
        "scans.html",
        title=words_of(request)("console.nav.scans"),
        scans=[listing_json(s) for s in found],
        **whoami(request),
    )


@get("/scans/{scan_id:int}", opt={**needs("reports.read"), **page()}, sync_to_thread=True)
def scan_page(request: Req, scan_id: RowNumber) -> Response[str]:
    """One scan report of my labs: each table, each column, and why sceau read it so."""
    kept = stored_scan(service_of(request).engine, scan_id, _labs(request))
    return render(
        request,
        "scan.html",
        title=words_of(request)("console.scans.title", scan=kept.scan_id),
        scan={
            "scan_id": kept.scan_id,
            "finess": kept.finess,
            "received_by": kept.received_by,
            "received_at": kept.received_at.strftime("%Y-%m-%d %H:%M"),
            "sha256": kept.sha256,
        },
        report=kept.report.to_dict(),
        **whoami(request),
    )


ROUTES = [scans_page, scan_page]
