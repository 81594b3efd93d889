"""Alerts and the audit trail as pages: answering an alert, and verifying the trail with its
latest checkpoint and how far the lab's witness vouches for it."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.params import FromQuery
from litestar.response import Redirect
from sqlalchemy import select

from sceau.accounts import allowed
from sceau.accounts.labs import labs_of
from sceau.alerts.model import State
from sceau.alerts.records import acknowledge, list_alerts, resolve
from sceau.audit.cosigned import check_cosignatures
from sceau.audit.verify import Verification
from sceau.store.schema import audit_cosignatures
from sceau.web.audit_routes import verify_recorded
from sceau.web.console.form import WhyForm
from sceau.web.console.pages import whoami
from sceau.web.console.render import Req, page, render, words_of
from sceau.web.data_routes import alert_json, may_close, visible_alert
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.labs import visible_alerts
from sceau.web.service import RowNumber

_COSIGNATURES_SHOWN = 20  # the latest cosignatures listed on /audit


@get("/alerts", opt={**needs("reports.read"), **page()}, sync_to_thread=True)
def alerts_page(request: Req, everything: FromQuery[bool] = False) -> Response[str]:
    """Open and acknowledged alerts about my labs or the whole installation (all of them with
    ``?everything=true``), with their answer buttons for the roles that answer."""
    service = service_of(request)
    states = tuple(State) if everything else (State.OPEN, State.ACKNOWLEDGED)
    labs = labs_of(service.engine, principal_of(request).user.name)
    found = visible_alerts(service.engine, list_alerts(service.engine, states=states), labs)
    return render(
        request,
        "alerts.html",
        title=words_of(request)("console.nav.alerts"),
        alerts=[alert_json(a) for a in found],
        may_answer=allowed(principal_of(request).user.role, "alerts.answer"),
        **whoami(request),
    )


@post(
    "/alerts/{alert_id:int}/acknowledge",
    opt={**needs("alerts.answer"), **page()},
    sync_to_thread=True,
)
def acknowledge_page(request: Req, alert_id: RowNumber) -> Redirect:
    """Say I am on the alert: it stops climbing the escalation ladder."""
    service = service_of(request)
    visible_alert(request, alert_id)
    acknowledge(
        service.engine, service.log, alert_id, principal_of(request).user.name, service.clock()
    )
    return Redirect(f"/alerts?{request.url.query}", status_code=303)


@post(
    "/alerts/{alert_id:int}/resolve", opt={**needs("alerts.answer"), **page()}, sync_to_thread=True
)
def resolve_page(request: Req, alert_id: RowNumber, data: WhyForm) -> Redirect:
    """Close the alert, with why (kept in the audit trail)."""
    service = service_of(request)
    alert = visible_alert(request, alert_id)
    user = principal_of(request).user
    may_close(user.role, alert)
    resolve(service.engine, service.log, alert_id, user.name, data.why, service.clock())
    return Redirect(f"/alerts?{request.url.query}", status_code=303)


@get("/audit", opt={**needs("audit.read"), **page()}, sync_to_thread=True)
def audit_page(request: Req) -> Response[str]:
    """The trail's size, latest signed checkpoint and witnesses, and the verify button."""
    return _audit(request, None)


@post("/audit/verify", opt={**needs("audit.read"), **page()}, sync_to_thread=True, status_code=200)
def verify_page(request: Req) -> Response[str]:
    """Recompute the whole trail and show the verdict (recorded in the trail)."""
    result = verify_recorded(service_of(request), principal_of(request).user.name)
    return _audit(request, result)


def _audit(request: Req, result: Verification | None) -> Response[str]:
    log = service_of(request).log
    stored = log.checkpoints()
    with service_of(request).engine.connect() as connection:
        rows = connection.execute(select(audit_cosignatures)).all()
    witnessed, broken = check_cosignatures(rows, stored)
    size = log.size()
    verdict: dict[str, Any] | None = None
    if result is not None:
        verdict = {
            "intact": result.intact,
            "size": result.size,
            "checkpoints": result.checkpoints,
            "problems": [{"position": p.position, "reason": p.reason} for p in result.problems],
        }
    return render(
        request,
        "audit.html",
        title=words_of(request)("console.nav.audit"),
        size=size,
        checkpoint=stored[-1] if stored else None,
        witnessed=[
            {"witness": w.witness, "last": w.size - 1, "covered": w.size, "behind": size - w.size}
            | {"number": w.number, "at": w.at.strftime("%Y-%m-%d %H:%M UTC")}
            for w in (result.witnessed if result is not None else witnessed)
        ],
        cosignatures=[
            {"witness": r.witness, "number": r.number, "size": r.size}
            | {"recorded_at": r.recorded_at.strftime("%Y-%m-%d %H:%M UTC")}
            for r in sorted(rows, key=lambda r: r.number, reverse=True)[:_COSIGNATURES_SHOWN]
        ],
        broken=[f"{position}: {reason}" for position, reason in broken],
        result=verdict,
        **whoami(request),
    )


ROUTES = [alerts_page, acknowledge_page, resolve_page, audit_page, verify_page]
