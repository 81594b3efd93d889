"""``POST /api/runs``: an operator hands the service a mandate the controller signed, and the
service runs it: the operator's machine needs neither the store, nor the audit key, nor the
staging's keys. The mandate must be of one of the operator's labs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, post
from litestar.params import JSONBody

from sceau.web.guard import needs, principal_of, service_of
from sceau.web.labs import require_own_lab
from sceau.web.migrations import Migrations

Req = Request[Any, Any, Any]
MAX_MANDATE_BYTES = 1024 * 1024  # a mandate names columns and rules: far less than this


@dataclass
class RunRequest:
    mandate: str  # the mandate's text, byte for byte as it was signed (UTF-8)
    signature: str  # its signature document (MANDATE.sig)
    resume: str | None = None  # a stopped run of this mandate to resume


@post(
    "/api/runs",
    opt=needs("migrate"),
    sync_to_thread=True,
    status_code=202,
    request_max_body_size=MAX_MANDATE_BYTES,
)
def start_run(request: Req, data: JSONBody[RunRequest]) -> dict[str, Any]:
    """Run (or resume) a signed mandate at the service; the answer names the run to follow."""
    service = service_of(request)
    user = principal_of(request).user
    body = data.mandate.encode("utf-8")
    require_own_lab(service.engine, user.name, body)
    migrations: Migrations = request.app.state.migrations
    path = migrations.keep_mandate(body, data.signature.encode("utf-8"), user.name)
    run_id = migrations.start(path, user.name, data.resume)
    return {"run_id": run_id, "follow": f"/api/runs/{run_id}"}


ROUTES = [start_run]
