"""Incidents as pages: the list with each clock's state, one incident with its labs' clocks,
and the forms that record a clock met or the reasons for its delay (``sceau incident``'s).

An incident's labs are its controllers: a person sees an incident if it concerns one of their
labs, and only their labs' clocks; another lab's incident is answered as a missing one.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.response import Redirect

from sceau.accounts import AccessDenied, allowed, roles_for
from sceau.accounts.labs import labs_of
from sceau.display import local_and_utc
from sceau.trace.incidents import (
    Clock,
    ClockKind,
    Incident,
    IncidentError,
    get_incident,
    give_delay,
    list_incidents,
    record_met,
)
from sceau.web.console.form import ClockDelayForm, ClockMetForm
from sceau.web.console.pages import whoami
from sceau.web.console.render import Req, page, render, words_of
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.service import NotFound, RowNumber


def _labs(request: Req) -> frozenset[str]:
    return labs_of(service_of(request).engine, principal_of(request).user.name)


def _visible(request: Req, incident_id: int) -> Incident:
    """The incident as the person sees it; NotFound if it concerns none of their labs."""
    found = get_incident(service_of(request).engine, incident_id)
    labs = _labs(request)
    if found is None or not labs & set(found.labs):
        raise NotFound(
            "no incident with this number among your labs' incidents",
            where=f"incident {incident_id}",
            elsewhere=found is not None,
        )
    return found.seen_by(labs)


@get("/incidents", opt={**needs("incident.read"), **page()}, sync_to_thread=True)
def incidents_page(request: Req) -> Response[str]:
    """My labs' incidents, the latest first, each with its clocks' states."""
    service = service_of(request)
    labs = _labs(request)
    now = service.clock()
    shown = [i.seen_by(labs) for i in list_incidents(service.engine) if labs & set(i.labs)]
    return render(
        request,
        "incidents.html",
        title=words_of(request)("console.incidents.title"),
        incidents=[_incident(i) | {"clocks": [_clock(c, now) for c in i.clocks]} for i in shown],
        **whoami(request),
    )


@get("/incidents/{incident_id:int}", opt={**needs("incident.read"), **page()}, sync_to_thread=True)
def incident_page(request: Req, incident_id: RowNumber) -> Response[str]:
    """One incident of my labs: its nature, moment of awareness, and each clock with its forms."""
    found = _visible(request, incident_id)
    now = service_of(request).clock()
    role = principal_of(request).user.role
    return render(
        request,
        "incident.html",
        title=words_of(request)("console.incidents.one", incident=incident_id),
        incident=_incident(found),
        clocks=[
            _clock(c, now) | {"may": allowed(role, c.kind.action) and found.closed_at is None}
            for c in found.clocks
        ],
        **whoami(request),
    )


@post(
    "/incidents/{incident_id:int}/met",
    opt={**needs("incident.notice"), **page()},
    sync_to_thread=True,
)
def met_page(request: Req, incident_id: RowNumber, data: ClockMetForm) -> Redirect:
    """Record a clock of one of my labs met: sent now, under a reference (with the reasons if
    late); or the CNIL's complementary notification."""
    kind = _kind(request, incident_id, data.clock, data.finess)
    service = service_of(request)
    record_met(
        service.engine,
        service.log,
        incident_id,
        data.finess,
        kind,
        reference=data.reference,
        by=principal_of(request).user.name,
        now=service.clock(),
        reason=data.reason,
        complementary=data.complementary == "yes",
    )
    return Redirect(f"/incidents/{incident_id}?{request.url.query}", status_code=303)


@post(
    "/incidents/{incident_id:int}/delay",
    opt={**needs("incident.notice"), **page()},
    sync_to_thread=True,
)
def delay_page(request: Req, incident_id: RowNumber, data: ClockDelayForm) -> Redirect:
    """Give the reasons a clock of one of my labs is, or will be, met late."""
    kind = _kind(request, incident_id, data.clock, data.finess)
    service = service_of(request)
    give_delay(
        service.engine,
        service.log,
        incident_id,
        data.finess,
        kind,
        reason=data.reason,
        by=principal_of(request).user.name,
        now=service.clock(),
    )
    return Redirect(f"/incidents/{incident_id}?{request.url.query}", status_code=303)


def _kind(request: Req, incident_id: int, clock: str, finess: str) -> ClockKind:
    """The clock the form names, if it is of one of my labs and my role records it."""
    kind = _parse(clock)
    _visible(request, incident_id).clock(finess, kind)  # NotFound, or IncidentError
    if not allowed(principal_of(request).user.role, kind.action):
        raise AccessDenied(
            f"your role does not allow {kind.action}",
            hint=f"the {kind.value} clock is recorded by: "
            + ", ".join(r.value for r in roles_for(kind.action)),
        )
    return kind


def _parse(clock: str) -> ClockKind:
    try:
        return ClockKind(clock)
    except ValueError:
        raise IncidentError(
            "no such clock", hint="the clocks are notice, cnil and ars", where=clock[:16]
        ) from None


def _incident(found: Incident) -> dict[str, Any]:
    return {
        "incident_id": found.incident_id,
        "title": found.title,
        "nature": [n.value for n in found.nature],
        "aware_at": local_and_utc(found.aware_at),
        "aware_by": found.aware_by,
        "opened_by": found.opened_by,
        "labs": list(found.labs),
        "closed": found.closed_at is not None,
        "close_reason": found.close_reason or "",
    }


def _clock(clock: Clock, now: Any) -> dict[str, Any]:
    return {
        "finess": clock.finess,
        "kind": clock.kind.value,
        "state": clock.state(now).value,
        "due": local_and_utc(clock.due),
        "met_at": local_and_utc(clock.met_at) if clock.met_at else "",
        "met_by": clock.met_by or "",
        "reference": clock.reference or "",
        "delay_reason": clock.delay_reason or "",
        "complement_at": local_and_utc(clock.complement_at) if clock.complement_at else "",
        "complement_reference": clock.complement_reference or "",
    }


ROUTES = [incidents_page, incident_page, met_page, delay_page]
