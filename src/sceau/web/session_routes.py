"""``/auth/logout``, ``/auth/me`` and ``/api/tokens``: logging out, who am I, and the API tokens
a person makes for their CLI client (logging in is :mod:`sceau.web.login_routes`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request, Response, delete, get, post
from litestar.params import FromPath, JSONBody

from sceau.accounts import AccessDenied
from sceau.accounts.labs import labs_of
from sceau.events import LoggedOut, TokenCreated, TokenRevoked
from sceau.web import auth
from sceau.web.guard import (
    SESSION_COOKIE,
    needs,
    principal_of,
    service_of,
)
from sceau.web.service import NotFound, Principal, Service

Req = Request[Any, Any, Any]


@dataclass
class TokenRequest:
    label: str
    days: int = 30


@post("/auth/logout", opt=needs("account.self"), sync_to_thread=True, status_code=200)
def logout(request: Req) -> Response[dict[str, Any]]:
    """End this session (or, called with an API token, revoke that token)."""
    service = service_of(request)
    principal = principal_of(request)
    now = service.clock()
    service.log.record(LoggedOut(actor=principal.user.name, user=principal.user.name, at=now))
    if principal.via == "token":
        _revoke_by_hash(service, principal, now)
    else:
        auth.end_session(service.engine, principal.token_sha256)
    response: Response[dict[str, Any]] = Response({"logged_out": principal.user.name})
    # a __Host- cookie is only replaced by one that is Secure too: the browser forgets it now
    response.set_cookie(
        SESSION_COOKIE, "", path="/", secure=True, httponly=True, samesite="strict", max_age=0
    )
    return response


def _revoke_by_hash(service: Service, principal: Principal, now: datetime) -> None:
    name = principal.user.name
    token_id = auth.token_id_of(service.engine, name, principal.token_sha256)
    if token_id is not None:
        service.log.record(TokenRevoked(actor=name, user=name, token_id=token_id, at=now))
        auth.revoke_token(service.engine, name, token_id, now)


@get("/auth/me", opt=needs("account.self"), sync_to_thread=True)
def me(request: Req) -> dict[str, Any]:
    """Who this session or token is: the account, its role, its labs."""
    service = service_of(request)
    principal = principal_of(request)
    return {
        "user": principal.user.name,
        "role": principal.user.role.value,
        "via": principal.via,
        "labs": sorted(labs_of(service.engine, principal.user.name)),
    }


@post("/api/tokens", opt=needs("account.self"), sync_to_thread=True, status_code=201)
def create_token(request: Req, data: JSONBody[TokenRequest]) -> dict[str, Any]:
    """A new API token for the CLI client, shown once. Only a logged-in session makes one: a
    token cannot make more tokens, so a stolen one cannot outlive its own revocation."""
    service = service_of(request)
    principal = principal_of(request)
    if principal.via != "session":
        raise AccessDenied(
            "an API token cannot make another one",
            hint="log in with your password (sceau --server URL login NAME) to make a token",
        )
    now = service.clock()
    token_id, token = auth.new_token(service, principal.user.name, data.label, data.days, now)
    service.log.record(
        TokenCreated(
            actor=principal.user.name,
            user=principal.user.name,
            token_id=token_id,
            label=data.label,
            days=data.days,
            at=now,
        )
    )
    return {"token_id": token_id, "token": token, "label": data.label, "days": data.days}


@get("/api/tokens", opt=needs("account.self"), sync_to_thread=True)
def list_tokens(request: Req) -> dict[str, Any]:
    """Your API tokens, by id and label (never the tokens themselves)."""
    service = service_of(request)
    principal = principal_of(request)
    return {
        "tokens": [
            {
                "token_id": info.token_id,
                "label": info.label,
                "created_at": info.created_at.isoformat(timespec="seconds"),
                "expires_at": info.expires_at.isoformat(timespec="seconds"),
                "revoked_at": info.revoked_at.isoformat(timespec="seconds")
                if info.revoked_at
                else None,
            }
            for info in auth.list_tokens(service.engine, principal.user.name)
        ]
    }


@delete(
    "/api/tokens/{token_id:str}", opt=needs("account.self"), sync_to_thread=True, status_code=200
)
def revoke_token(request: Req, token_id: FromPath[str]) -> dict[str, Any]:
    """Revoke one of your API tokens: the client holding it is refused from now on."""
    service = service_of(request)
    principal = principal_of(request)
    now = service.clock()
    live = {
        info.token_id
        for info in auth.list_tokens(service.engine, principal.user.name)
        if info.revoked_at is None
    }
    if token_id not in live:
        raise NotFound("you have no live token with this id", where=f"token {token_id}")
    service.log.record(
        TokenRevoked(actor=principal.user.name, user=principal.user.name, token_id=token_id, at=now)
    )
    auth.revoke_token(service.engine, principal.user.name, token_id, now)
    return {"revoked": token_id}


ROUTES = [logout, me, create_token, list_tokens, revoke_token]
