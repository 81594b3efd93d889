"""Every error the service answers is a problem+json body (RFC 9457) with sceau's message and hint.

Never a traceback, never a value from the data: a :class:`SceauError` says what went wrong and
what to do, in sceau's own words; Litestar's own refusals keep their status with a fixed title;
anything else is a bug, answered as a plain 500 whose details stay in the server's log.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from sceau.accounts import AccessDenied, NotLoggedIn, WrongCredentials
from sceau.accounts.factors import WrongFactor
from sceau.accounts.mfa import NotFresh
from sceau.accounts.sessions import ANONYMOUS, Throttled
from sceau.errors import SceauError
from sceau.events import AccessDenied as AccessDeniedEvent
from sceau.web.guard import ACTION
from sceau.web.service import NotFound

PROBLEM = "application/problem+json"
CSRF_COOKIE, CSRF_HEADER = "__Host-csrf", "x-csrf-token"
CSRF_REFUSED = "CSRF token verification failed"  # Litestar's words for its own refusal
_log = logging.getLogger("sceau.web")

_STATUS: tuple[tuple[type[SceauError], int], ...] = (
    (Throttled, 429),
    (WrongCredentials, 401),
    (WrongFactor, 401),
    (NotLoggedIn, 401),
    (NotFresh, 403),
    (AccessDenied, 403),
    (NotFound, 404),
)


def problem(status: int, title: str, *, hint: str = "", where: str = "") -> Response[Any]:
    body: dict[str, Any] = {"type": "about:blank", "status": status, "title": title}
    if hint:
        body["hint"] = hint
    if where:
        body["where"] = where
    return Response(body, status_code=status, media_type=PROBLEM)


def sceau_error(request: Request[Any, Any, Any], error: SceauError) -> Response[Any]:
    if isinstance(error, NotFound) and error.elsewhere:  # answered as missing, recorded as reached
        service = request.app.state.service
        principal = request.state.principal
        action = str(request.route_handler.opt.get(ACTION, request.url.path))
        service.log.record(
            AccessDeniedEvent(actor=principal.user.name, command=action, reason="another lab's")
        )
    status = next((code for kind, code in _STATUS if isinstance(error, kind)), 400)
    answer = problem(status, error.message, hint=error.hint, where=error.where)
    if isinstance(error, Throttled):  # RFC 9110: how long to wait, in seconds
        wait = (error.until - request.app.state.service.clock()).total_seconds()
        answer.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return answer


def http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    if error.detail == CSRF_REFUSED:  # refused before the guard: recorded here
        service = request.app.state.service
        reason = "no or wrong CSRF token"
        service.log.record(
            AccessDeniedEvent(actor=ANONYMOUS, command=request.url.path, reason=reason)
        )
        return problem(
            403,
            "the request carries no valid CSRF token",
            hint=f"send the {CSRF_COOKIE} cookie's value in the {CSRF_HEADER} header",
        )
    if isinstance(error, ValidationException):
        items = error.extra if isinstance(error.extra, list) else []
        fields = sorted({str(i["key"]) for i in items if isinstance(i, dict) and "key" in i})
        return problem(
            400,
            "the request is not what this route takes",
            hint="see the OpenAPI schema at /schema/openapi.json",
            where=", ".join(fields),
        )
    return problem(error.status_code, str(error.detail))


def internal_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    # the class name only: a bug's message could hold a value from the data
    kind = type(error).__name__
    _log.error("internal error on %s %s: %s", request.method, request.url.path, kind)
    return problem(
        500,
        f"internal error ({type(error).__name__}); nothing was left half-written",
        hint="please report it, with what you asked (not your data)",
    )


HANDLERS: dict[int | type[Exception], Any] = {
    SceauError: sceau_error,
    HTTPException: http_error,
    Exception: internal_error,
}
