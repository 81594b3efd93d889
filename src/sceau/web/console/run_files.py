"""A run's migration report and deletion certificate, as the service wrote them under
``reports/RUN`` in its home, downloaded by the people of the run's lab. Only a fixed set of
names is served, from that folder alone: nothing of the request becomes a path but the id of
a run the person may see."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get
from litestar.params import FromPath

from sceau.accounts.labs import labs_of
from sceau.web.console.render import Req, page
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.labs import visible_run
from sceau.web.service import NotFound

# the certificate's signature is inside certificate.json (its "signature" member)
REPORT_FILES = {
    "migration.html": "text/html; charset=utf-8",
    "migration.json": "application/json",
    "certificate.json": "application/json",
    "certificate.html": "text/html; charset=utf-8",
}


def reports_folder(home: Path, run_id: str) -> Path:
    return home / "reports" / run_id


def written(home: Path, run_id: str) -> list[str]:
    """The report files of the run the service has written so far, in :data:`REPORT_FILES`
    order."""
    folder = reports_folder(home, run_id)
    return [name for name in REPORT_FILES if (folder / name).is_file()]


@get(
    "/runs/{run_id:str}/files/{name:str}",
    opt={**needs("reports.read"), **page()},
    sync_to_thread=True,
)
def run_file(request: Req, run_id: FromPath[str], name: FromPath[str]) -> Response[bytes]:
    """One of the run's reports or its certificate, as an attachment."""
    service = service_of(request)
    labs = labs_of(service.engine, principal_of(request).user.name)
    record = visible_run(service.engine, run_id, labs)
    if name not in REPORT_FILES:
        raise NotFound(
            "a run has no file of this name",
            hint=f"a run's files are {', '.join(REPORT_FILES)}",
            where=name,
        )
    if name not in written(service.settings.home, record.run_id):
        raise NotFound(
            "this file has not been written yet",
            hint="the report is written when the run ends, the certificate once its staging "
            "is shredded",
            where=f"run {record.run_id}: {name}",
        )
    data = (reports_folder(service.settings.home, record.run_id) / name).read_bytes()
    disposition = f'attachment; filename="{record.run_id}-{name}"'
    return Response(
        data, media_type=REPORT_FILES[name], headers={"content-disposition": disposition}
    )


ROUTES = [run_file]
