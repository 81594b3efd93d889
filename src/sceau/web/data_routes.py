"""``/health``, ``/api/runs``, ``/api/alerts``, ``/api/signers`` and lab memberships: thin
handlers over the rooms' own functions, each run, report and alert filtered by the person's labs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from sceau.accounts import Role
from sceau.accounts.labs import add_member, labs_of, remove_member
from sceau.alerts.model import Alert, Severity, State
from sceau.alerts.records import acknowledge, get_alert, list_alerts, resolve
from sceau.errors import SceauError
from sceau.mandate.signers import list_signers
from sceau.migrate import runs as repository
from sceau.migrate.facts import run_details, run_facts
from sceau.web.guard import needs, principal_of, public, service_of
from sceau.web.labs import visible_alerts, visible_run, visible_runs
from sceau.web.service import NotFound, RowNumber, Service

Req = Request[Any, Any, Any]


@dataclass
class Resolution:
    why: str


@dataclass
class Membership:
    finess: str


@get("/health", opt=public("the health check carries no data"), sync_to_thread=False)
def health() -> dict[str, str]:
    """Whether the service answers (for the proxy's and the supervisor's checks)."""
    return {"status": "ok"}


def _labs(request: Req) -> frozenset[str]:
    return labs_of(service_of(request).engine, principal_of(request).user.name)


@get("/api/runs", opt=needs("reports.read"), sync_to_thread=True)
def runs_list(request: Req) -> dict[str, Any]:
    """Your labs' migration runs, the latest first, as ``sceau runs list --json`` gives them."""
    service = service_of(request)
    records = visible_runs(service.engine, repository.list_runs(service.engine), _labs(request))
    done = repository.rows_done(service.engine)
    root = service.settings.staging_root
    return {"runs": [run_facts(root, r, done.get(r.run_id, {})) for r in records]}


@get("/api/runs/{run_id:str}", opt=needs("reports.read"), sync_to_thread=True)
def runs_show(request: Req, run_id: FromPath[str]) -> dict[str, Any]:
    """One run of your labs in detail, with its checkpoints and certificate."""
    service = service_of(request)
    record = visible_run(service.engine, run_id, _labs(request))
    return run_details(service.engine, service.settings.staging_root, record)


@get("/api/alerts", opt=needs("reports.read"), sync_to_thread=True)
def alerts_list(request: Req, everything: FromQuery[bool] = False) -> dict[str, Any]:
    """Open and acknowledged alerts (all with ``?everything=true``) about your labs or the
    whole installation, oldest first."""
    service = service_of(request)
    states = tuple(State) if everything else (State.OPEN, State.ACKNOWLEDGED)
    found = visible_alerts(
        service.engine, list_alerts(service.engine, states=states), _labs(request)
    )
    return {"alerts": [alert_json(a) for a in found]}


def visible_alert(request: Req, alert_id: int) -> Alert:
    service = service_of(request)
    try:
        alert = get_alert(service.engine, alert_id)
    except SceauError:
        alert = None
    if alert is None or not visible_alerts(service.engine, [alert], _labs(request)):
        raise NotFound(
            "no alert with this number among yours",
            where=f"alert {alert_id}",
            elsewhere=alert is not None,
        )
    return alert


@post(
    "/api/alerts/{alert_id:int}/acknowledge",
    opt=needs("alerts.answer"),
    sync_to_thread=True,
    status_code=200,
)
def alerts_ack(request: Req, alert_id: RowNumber) -> dict[str, Any]:
    """Say you are on the alert: it stops climbing the escalation ladder."""
    service = service_of(request)
    visible_alert(request, alert_id)
    name = principal_of(request).user.name
    return alert_json(acknowledge(service.engine, service.log, alert_id, name, service.clock()))


@post(
    "/api/alerts/{alert_id:int}/resolve",
    opt=needs("alerts.answer"),
    sync_to_thread=True,
    status_code=200,
)
def alerts_resolve(request: Req, alert_id: RowNumber, data: JSONBody[Resolution]) -> dict[str, Any]:
    """Close the alert, with why (kept in the audit trail). A critical one is closed by a
    controller or an admin, not by an operator."""
    service = service_of(request)
    alert = visible_alert(request, alert_id)
    user = principal_of(request).user
    may_close(user.role, alert)
    done = resolve(service.engine, service.log, alert_id, user.name, data.why, service.clock())
    return alert_json(done)


def may_close(role: Role, alert: Alert) -> None:
    """A critical alert is closed by a controller or an admin, not by an operator."""
    if role is Role.OPERATOR and alert.severity is Severity.CRITICAL:
        raise SceauError(
            f"alert {alert.alert_id} is critical: a controller or an administrator closes it",
            hint="acknowledge it and hand it over",
        )


def alert_json(alert: Alert) -> dict[str, Any]:
    data: dict[str, Any] = dict(alert.__dict__)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
    data["severity"], data["state"] = alert.severity.value, alert.state.value
    return data


@get("/api/signers", opt=needs("signers.read"), sync_to_thread=True)
def signers_list(request: Req) -> dict[str, Any]:
    """The registered signing keys: who holds each, its fingerprint, whether it was revoked."""
    service = service_of(request)
    return {
        "signers": [
            {
                "name": s.name,
                "fingerprint": s.fingerprint,
                "user": s.user,
                "created_at": s.created_at.isoformat(timespec="seconds"),
                "revoked_at": s.revoked_at.isoformat(timespec="seconds") if s.revoked_at else None,
            }
            for s in list_signers(service.engine)
        ]
    }


@get("/api/accounts/{name:str}/labs", opt=needs("users.manage"), sync_to_thread=True)
def member_labs(request: Req, name: FromPath[str]) -> dict[str, Any]:
    """The labs an account works for."""
    return {"user": name, "labs": sorted(labs_of(service_of(request).engine, name))}


@post(
    "/api/accounts/{name:str}/labs", opt=needs("users.manage"), sync_to_thread=True, status_code=201
)
def member_add(request: Req, name: FromPath[str], data: JSONBody[Membership]) -> dict[str, Any]:
    """Make an account a member of a lab: it sees that lab's runs, reports and alerts."""
    service: Service = service_of(request)
    add_member(service.engine, service.log, name, data.finess, by=principal_of(request).user.name)
    return {"user": name, "labs": sorted(labs_of(service.engine, name))}


@delete(
    "/api/accounts/{name:str}/labs/{finess:str}",
    opt=needs("users.manage"),
    sync_to_thread=True,
    status_code=200,
)
def member_remove(request: Req, name: FromPath[str], finess: FromPath[str]) -> dict[str, Any]:
    """End an account's membership of a lab."""
    service = service_of(request)
    if not remove_member(
        service.engine, service.log, name, finess, by=principal_of(request).user.name
    ):
        raise NotFound("the account is not a member of this lab", where=name)
    return {"user": name, "labs": sorted(labs_of(service.engine, name))}


ROUTES = [
    health,
    runs_list,
    runs_show,
    alerts_list,
    alerts_ack,
    alerts_resolve,
    signers_list,
    member_labs,
    member_add,
    member_remove,
]
