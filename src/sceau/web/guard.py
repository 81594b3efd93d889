"""Default deny, in one guard that every route passes through.

Every route declares, in its ``opt``, either the action it performs (a key of the roles table,
:data:`sceau.accounts.PERMISSIONS`) with :func:`needs`, or why it is open to anyone with
:func:`public` — only the login steps and the health check are. The guard refuses a route that
declares neither, an anonymous request, a session still waiting for its second factor, and a
role the table does not allow; each refusal is an ``auth.denied`` event in the audit trail.
"""

from __future__ import annotations

from typing import Any

import anyio
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from sceau.accounts import allowed
from sceau.accounts.sessions import ANONYMOUS
from sceau.events import AccessDenied
from sceau.web.auth import session_principal, token_principal
from sceau.web.service import Principal, Service

SESSION_COOKIE = "__Host-sceau"  # Secure, Path=/, no Domain: only this origin ever sees it
ACTION, PUBLIC, SECOND_FACTOR = "sceau_action", "sceau_public", "sceau_second_factor"


def needs(action: str) -> dict[str, Any]:
    """A route's ``opt`` saying which action of the roles table it performs."""
    return {ACTION: action}


def public(why: str) -> dict[str, Any]:
    """A route's ``opt`` saying it is open to anonymous requests, and why."""
    return {PUBLIC: why}


def second_factor() -> dict[str, Any]:
    """A route's ``opt`` for the second login step: open to a session awaiting its factor."""
    return {SECOND_FACTOR: True}


def service_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Service:
    service: Service = connection.app.state.service
    return service


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
    principal = await anyio.to_thread.run_sync(_identify, service, connection)
    if opt.get(SECOND_FACTOR):
        if principal is None or principal.complete or principal.via != "session":
            await _refuse(
                service,
                principal,
                "auth.mfa",
                "no login waiting for a second factor",
                message="no login is waiting for a second factor: log in with your password first",
            )
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
    connection.state.principal = principal


def _identify(service: Service, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    """The bearer token if the request carries one (then no cookie counts), else the cookie."""
    now = service.clock()
    authorization = connection.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token_principal(service.engine, token.strip(), now)
    cookie = connection.cookies.get(SESSION_COOKIE)
    return None if not cookie else session_principal(service.engine, cookie, now)


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
        fallback = "log in first" if principal is None else "give your second factor first"
        raise NotAuthorizedException(message or fallback)
    raise PermissionDeniedException(message or f"your role does not allow {action}")
