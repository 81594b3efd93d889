"""Default deny, in one guard that every route passes through.

Every route declares, in its ``opt``, either the action it performs (a key of the roles table,
:data:`sceau.accounts.PERMISSIONS`) with :func:`needs`, or why it is open to anyone with
:func:`public` — only the login steps and the health check are. The guard refuses a route that
declares neither, an anonymous request, a session still waiting for its second factor, and a
role the table does not allow; each refusal is an ``auth.denied`` event in the audit trail.
A route declared ``needs(action, fresh=True)`` also wants the password and second factor given
again in this session within the last few minutes (``POST /auth/reauth``): an API token, or a
session left open on a desk, cannot change factors or register a signing key.

A session cookie or API token that opens nothing is counted against the client's address by
the login's throttle (:mod:`sceau.accounts.throttle`); once the address is locked, every request
carrying one is answered 429 with ``Retry-After`` before it is looked at, so guessing tokens is
as slow as guessing passwords. Public routes (the health check, the login) are not counted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import anyio
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from sceau.accounts import allowed
from sceau.accounts.mfa import FRESH_MINUTES, NotFresh
from sceau.accounts.sessions import ANONYMOUS, check_not_throttled, credential_failed
from sceau.events import AccessDenied
from sceau.web.auth import ENROL, ENROL_CODE, PENDING, session_principal, token_principal
from sceau.web.service import Principal, Service

SESSION_COOKIE = "__Host-sceau"  # Secure, Path=/, no Domain: only this origin ever sees it
ACTION, PUBLIC, SECOND_FACTOR = "sceau_action", "sceau_public", "sceau_second_factor"
FRESH = "sceau_fresh"
REAUTH_HINT = "give your password and second factor again (POST /auth/reauth), then retry"


def needs(action: str, *, fresh: bool = False) -> dict[str, Any]:
    """A route's ``opt`` saying which action of the roles table it performs, and whether it
    wants a re-authentication of at most :data:`FRESH_MINUTES` minutes (``fresh``)."""
    return {ACTION: action, FRESH: True} if fresh else {ACTION: action}


def public(why: str) -> dict[str, Any]:
    """A route's ``opt`` saying it is open to anonymous requests, and why."""
    return {PUBLIC: why}


def second_factor(stage: str = PENDING) -> dict[str, Any]:
    """A route's ``opt`` for the second login step: open to a session waiting at ``stage``
    (:data:`PENDING`: giving its factor; :data:`ENROL_CODE`: giving the enrolment code the
    admin gave; :data:`ENROL`: enrolling its first factor)."""
    return {SECOND_FACTOR: stage}


def service_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Service:
    service: Service = connection.app.state.service
    return service


def address_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The client's address (the proxy's forwarded one when behind a trusted proxy)."""
    return connection.client.host if connection.client else None


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The person the guard let through (only routes that are not public have one)."""
    principal: Principal = connection.state.principal
    return principal


async def default_deny(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Let the request through only if its route, its person and their role allow it."""
    opt = handler.opt
    if opt.get(PUBLIC):
        return
    service = service_of(connection)
    principal = await anyio.to_thread.run_sync(_identify_throttled, service, connection)
    if stage := opt.get(SECOND_FACTOR):
        if principal is None or principal.via != "session" or principal.stage != stage:
            reason, message = _WAITING[stage]
            if principal is not None and principal.stage == ENROL_CODE and stage == ENROL:
                reason, message = "enrolment code not given", ENROL_CODE_FIRST
            await _refuse(service, principal, "auth.mfa", reason, message=message)
        connection.state.principal = principal
        return
    action = opt.get(ACTION)
    if not isinstance(action, str):
        await _refuse(
            service,
            principal,
            connection.url.path,
            "the route declares no action",
            403,
            message="this route is refused to everyone: it declares no action",
        )
        return
    if principal is None:
        await _refuse(service, None, action, "not logged in")
    elif not principal.complete:
        await _refuse(service, principal, action, "second factor not given")
    elif not allowed(principal.user.role, action):
        await _refuse(service, principal, action, f"role {principal.user.role} not allowed", 403)
    elif opt.get(FRESH) and not _fresh(service, principal):
        event = AccessDenied(
            actor=principal.user.name, command=action, reason="not fresh", at=service.clock()
        )
        await anyio.to_thread.run_sync(service.log.record, event)
        raise NotFresh(
            f"this needs your password and second factor given in the last {FRESH_MINUTES} minutes",
            hint=REAUTH_HINT,
        )
    connection.state.principal = principal


def _fresh(service: Service, principal: Principal | None) -> bool:
    """Whether the session gave its password and factor again lately (never a token)."""
    if principal is None or principal.via != "session" or principal.reauth_at is None:
        return False
    age = service.clock() - principal.reauth_at
    return timedelta(0) <= age <= timedelta(minutes=FRESH_MINUTES)


# what a second-step route says to a request that is not at its step: (the reason recorded,
# the message)
_WAITING = {
    PENDING: (
        "no login waiting for a second factor",
        "no login is waiting for a second factor: log in with your password first",
    ),
    ENROL_CODE: (
        "no login waiting for an enrolment code",
        "no login is waiting for an enrolment code: log in with your password first",
    ),
    ENROL: (
        "no login waiting to enrol a factor",
        "no login is waiting to enrol a factor: log in with your password first",
    ),
}
ENROL_CODE_FIRST = (
    "give the enrolment code your admin gave you with the account first (POST /auth/enrol/code)"
)


def _next_step(principal: Principal) -> str:
    if principal.stage == ENROL_CODE:
        return ENROL_CODE_FIRST
    if principal.stage == ENROL:
        return "enrol a second factor first (POST /auth/enrol/totp or /auth/enrol/webauthn)"
    return "give your second factor first"


def _identify_throttled(
    service: Service, connection: ASGIConnection[Any, Any, Any, Any]
) -> Principal | None:
    """:func:`_identify`, unless the client's address is locked out (:class:`Throttled`); a
    credential that opens nothing counts against the address."""
    if not _carries_credential(connection):
        return None  # nothing to guess with: refused below, not counted
    address, now = address_of(connection), service.clock()
    check_not_throttled(service.engine, service.log, None, address=address, now=now)
    principal = _identify(service, connection)
    if principal is None:
        credential_failed(service.engine, service.log, address=address, now=now)
    return principal


def _carries_credential(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return "authorization" in connection.headers or bool(connection.cookies.get(SESSION_COOKIE))


def _identify(service: Service, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The bearer token if the request carries one (then no cookie counts), else the cookie."""
    now = service.clock()
    authorization = connection.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token_principal(service, token.strip(), now)
    cookie = connection.cookies.get(SESSION_COOKIE)
    return None if not cookie else session_principal(service, cookie, now)


async def _refuse(
    service: Service,
    principal: Principal | None,
    action: str,
    reason: str,
    status: int = 401,
    *,
    message: str = "",
) -> None:
    """Record the refusal in the audit trail, then refuse (401: who are you; 403: not you)."""
    actor = principal.user.name if principal is not None else ANONYMOUS
    event = AccessDenied(actor=actor, command=action, reason=reason, at=service.clock())
    await anyio.to_thread.run_sync(service.log.record, event)
    if status == 401:
        fallback = "log in first" if principal is None else _next_step(principal)
        raise NotAuthorizedException(message or fallback)
    raise PermissionDeniedException(message or f"your role does not allow {action}")
