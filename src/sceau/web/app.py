"""``create_app(settings)``: the service's routes behind one default-deny guard, CSRF for
cookie-authenticated requests, security headers on every answer, problems instead of tracebacks,
and the supervision loop for as long as it runs."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.enums import ScopeType
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.types import Receive, Scope, Send
from sqlalchemy import Engine

from sceau._version import __version__
from sceau.accounts import PasswordParams
from sceau.accounts.mfa import mfa_key
from sceau.audit.sink import AuditLog
from sceau.config import Settings
from sceau.store import open_store
from sceau.trace.watch import Watch
from sceau.web import (
    audit_routes,
    console,
    data_routes,
    draft_routes,
    login_routes,
    mfa_routes,
    run_routes,
    scan_routes,
    session_routes,
    sign_routes,
    signer_routes,
)
from sceau.web.guard import default_deny, needs
from sceau.web.headers import security_headers
from sceau.web.migrations import Migrations
from sceau.web.problems import CSRF_COOKIE, CSRF_HEADER, HANDLERS
from sceau.web.service import Service
from sceau.web.supervision import supervision_lifespan, supervisor_for


class CookieCSRF(CSRFMiddleware):
    """CSRF checks for requests a browser could be tricked into sending: those that carry
    cookies. A request with an ``Authorization`` header is a client's (a page on another site
    cannot add that header without a CORS preflight, which this service never grants), and the
    guard then ignores every cookie, so it has no CSRF token to show."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and any(
            name == b"authorization" for name, _ in scope.get("headers", ())
        ):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    log: AuditLog | None = None,
    supervise: bool = True,
    tls: bool = False,
    password_params: PasswordParams | None = None,
    allow_no_mfa: bool = False,
) -> Litestar:
    """The service for ``settings``: its own engine and audit log unless given.

    Every account gives a second factor (one without enrols one at its next login);
    ``allow_no_mfa`` lets accounts without one in, for a demo only, unless the settings'
    ``require_mfa`` says otherwise.
    """
    engine = engine if engine is not None else open_store(settings.store)
    log = log if log is not None else AuditLog.from_settings(settings, engine)
    service = Service(
        settings,
        engine,
        log,
        token_key=mfa_key(settings, create=True).tokens,
        tls=tls,
        password_params=password_params,
        require_mfa=settings.require_mfa or not allow_no_mfa,
    )
    csrf = CSRFConfig(
        secret=secrets.token_urlsafe(32),  # per process: a restart asks pages for a new token
        cookie_name=CSRF_COOKIE,
        cookie_secure=True,
        cookie_httponly=False,  # the console's script reads it to send it back in the header
        cookie_samesite="strict",
        header_name=CSRF_HEADER,
    )
    schema = OpenAPIConfig(
        title="sceau",
        version=__version__,
        use_handler_docstrings=True,
        render_plugins=[JsonRenderPlugin()],  # no documentation site: it would need inline script
        openapi_router=Router(path="/schema", route_handlers=[], opt=needs("service.describe")),
    )
    migrations = Migrations(service)
    lifespan = []
    if supervise:  # built now: a wrong escalation policy is refused before anything listens
        supervisor = supervisor_for(service)
        watch = Watch(settings, service.engine, service.log) if settings.sweep else None
        lifespan.append(
            supervision_lifespan(service, supervisor, settings.supervise_seconds, watch)
        )
    app = Litestar(
        route_handlers=[
            *login_routes.ROUTES,
            *mfa_routes.ROUTES,
            *session_routes.ROUTES,
            *signer_routes.ROUTES,
            *sign_routes.ROUTES,
            *data_routes.ROUTES,
            *run_routes.ROUTES,
            *scan_routes.ROUTES,
            *audit_routes.ROUTES,
            *draft_routes.ROUTES,
            *console.ROUTES,
        ],
        guards=[default_deny],
        middleware=[DefineMiddleware(CookieCSRF, config=csrf)],
        exception_handlers={kind: console.drawn_for_pages(h) for kind, h in HANDLERS.items()},
        before_send=[security_headers(tls)],
        openapi_config=schema,
        lifespan=lifespan,
        on_shutdown=[migrations.stop_all],  # each run left resumable
        debug=False,
        request_max_body_size=64 * 1024,  # names, passwords and reasons: nothing bigger comes in
    )
    app.state.service = service
    app.state.migrations = migrations
    return app


def routes_of(app: Litestar) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (path, method, opt) the app answers: what the router-walk test checks."""
    found = []
    for route in app.routes:
        for method, handler in getattr(route, "route_handler_map", {}).items():
            found.append((route.path, method, dict(handler[0].opt)))
    return found
