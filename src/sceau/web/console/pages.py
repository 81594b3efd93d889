"""The console's own pages: the login steps, home (who am I, my labs), my account (my sessions
and API tokens, each with its end button), and the static files the pages load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import segno
from litestar import Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect
from sqlalchemy import delete, select

from sceau.accounts import PERMISSIONS, allowed
from sceau.accounts.labs import labs_of
from sceau.accounts.sessions import short_id
from sceau.errors import SceauError
from sceau.events import LoggedOut, TokenRevoked
from sceau.store.schema import web_sessions
from sceau.web import auth
from sceau.web.auth import ENROL
from sceau.web.console.render import Req, page, render, words_of
from sceau.web.guard import needs, principal_of, public, second_factor, service_of
from sceau.web.service import NotFound, Principal

STATIC = {
    "console.js": "text/javascript",
    "console.css": "text/css",
    "signing.js": "text/javascript",
}


def whoami(request: Req) -> dict[str, Any]:
    """What every page's header needs: the person, their role, labs, and the actions they may."""
    principal = principal_of(request)
    role = principal.user.role
    return {
        "me": {
            "user": principal.user.name,
            "role": role.value,
            "labs": sorted(labs_of(service_of(request).engine, principal.user.name)),
        },
        "may": frozenset(a for a in PERMISSIONS if allowed(role, a)),
    }


@get(
    "/static/{name:str}",
    opt=public("the console's own script and style carry no data"),
    sync_to_thread=False,
)
def static(name: FromPath[str]) -> Response[bytes]:
    """The console's script and style sheet, from the package (no other file is served)."""
    if name not in STATIC:
        raise NotFound("no such file", where=name)
    return Response(_static_file(name), media_type=STATIC[name])


@cache
def _static_file(name: str) -> bytes:
    return resources.files("sceau.web.console").joinpath("static", name).read_bytes()


@get("/login", opt=public("the login page itself carries no data"), sync_to_thread=False)
def login_page(request: Req) -> Response[str]:
    """The login steps: password, then a second factor or its enrolment (console.js drives
    them against /auth/*)."""
    return render(request, "login.html", title="sceau", me=None, may=frozenset())


@dataclass
class Uri:
    uri: str


@post("/login/qr", opt=second_factor(ENROL), sync_to_thread=False, status_code=200)
def enrolment_qr(data: JSONBody[Uri]) -> Response[str]:
    """The QR code of the otpauth URI being enrolled, as SVG, for a login awaiting its factor."""
    if not data.uri.startswith("otpauth://") or len(data.uri) > 1024:
        raise SceauError(
            "this is not an authenticator's otpauth:// address",
            hint="send the uri that POST /auth/enrol/totp answered",
        )
    svg = segno.make(data.uri, error="m").svg_inline(scale=4, omitsize=True)
    return Response(svg, media_type="image/svg+xml")


@get("/", opt={**needs("account.self"), **page()}, sync_to_thread=True)
def home(request: Req) -> Response[str]:
    """Who I am, my labs, and where my role lets me go."""
    words = whoami(request)
    return render(request, "home.html", title=words["me"]["user"], **words)


@get("/account", opt={**needs("account.self"), **page()}, sync_to_thread=True)
def account(request: Req) -> Response[str]:
    """My sessions and my API tokens, each with its end button."""
    service = service_of(request)
    principal = principal_of(request)
    return render(
        request,
        "account.html",
        title=words_of(request)("console.nav.account"),
        sessions=_sessions(request, principal),
        tokens=[
            {
                "token_id": k.token_id,
                "label": k.label,
                "created_at": _minute(k.created_at),
                "expires_at": _minute(k.expires_at),
                "revoked_at": _minute(k.revoked_at) if k.revoked_at else None,
            }
            for k in auth.list_tokens(service.engine, principal.user.name)
        ],
        **whoami(request),
    )


def _sessions(request: Req, principal: Principal) -> list[dict[str, Any]]:
    service = service_of(request)
    with service.engine.connect() as connection:
        rows = connection.execute(
            select(web_sessions)
            .where(web_sessions.c.user == principal.user.name)
            .where(web_sessions.c.expires_at > service.clock())
            .order_by(web_sessions.c.created_at)
        ).all()
    return [
        {
            "id": short_id(row.token_sha256),
            "this": row.token_sha256 == principal.token_sha256,
            "created_at": _minute(row.created_at),
            "last_seen": _minute(row.last_seen) if row.last_seen else "",
            "expires_at": _minute(row.expires_at),
        }
        for row in rows
    ]


@post(
    "/account/sessions/{session:str}/end",
    opt={**needs("account.self"), **page()},
    sync_to_thread=True,
)
def end_session(request: Req, session: FromPath[str]) -> Redirect:
    """End one of my sessions (this one logs me out), recorded as a logout."""
    service = service_of(request)
    principal = principal_of(request)
    with service.engine.connect() as connection:
        hashes = (
            connection.execute(
                select(web_sessions.c.token_sha256).where(
                    web_sessions.c.user == principal.user.name
                )
            )
            .scalars()
            .all()
        )
    found = next((h for h in hashes if short_id(h) == session), None)
    if found is None:
        raise NotFound("you have no session with this id", where=f"session {session}")
    name = principal.user.name
    service.log.record(LoggedOut(actor=name, user=name, at=service.clock()))
    with service.engine.begin() as connection:
        connection.execute(delete(web_sessions).where(web_sessions.c.token_sha256 == found))
    target = "/login" if found == principal.token_sha256 else "/account"
    return Redirect(f"{target}?{request.url.query}", status_code=303)


@post(
    "/account/tokens/{token_id:str}/revoke",
    opt={**needs("account.self"), **page()},
    sync_to_thread=True,
)
def revoke_token(request: Req, token_id: FromPath[str]) -> Redirect:
    """Revoke one of my API tokens: the client holding it is refused from now on."""
    service = service_of(request)
    name = principal_of(request).user.name
    live = {k.token_id for k in auth.list_tokens(service.engine, name) if k.revoked_at is None}
    if token_id not in live:
        raise NotFound("you have no live token with this id", where=f"token {token_id}")
    now = service.clock()
    service.log.record(TokenRevoked(actor=name, user=name, token_id=token_id, at=now))
    auth.revoke_token(service.engine, name, token_id, now)
    return Redirect(f"/account?{request.url.query}", status_code=303)


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


ROUTES = [static, login_page, enrolment_qr, home, account, end_session, revoke_token]
