"""``/api/mfa``: a logged-in person's own second factors — list them, add an app or a security
key, print new recovery codes, remove one. Every change wants a fresh re-authentication
(``POST /auth/reauth``): a session left open on a desk cannot swap the factor that guards it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from litestar import Request, delete, get, post
from litestar.params import JSONBody

from sceau.accounts import webauthn
from sceau.accounts.factors import list_factors
from sceau.accounts.mfa import (
    Reauthentication,
    begin_totp,
    confirm_totp,
    issue_recovery_codes,
    remove_factor,
    require_fresh,
    webauthn_registration,
)
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.service import RowNumber

Req = Request[Any, Any, Any]
_MANAGE = needs("mfa.manage", fresh=True)


@dataclass
class Confirmation:
    factor: int
    answer: str


@dataclass
class NewKey:
    answer: str  # the security key's answer, the credential as JSON
    label: str = "security key"


@dataclass
class NewApp:
    label: str = "authenticator app"


@dataclass
class Empty:
    """Nothing: the server chooses."""


def _proof(request: Req) -> Reauthentication:
    """The session's re-authentication, as the proof :mod:`sceau.accounts.mfa` asks for (the
    guard checked that it is fresh; it is checked again at the act)."""
    principal = principal_of(request)
    now = service_of(request).clock()
    proof = Reauthentication(
        user=principal.user.name, kind="session", factor=0, at=principal.reauth_at or now
    )
    return require_fresh(proof if principal.reauth_at else None, principal.user.name, now=now)


@get("/api/mfa", opt=needs("mfa.manage"), sync_to_thread=True)
def factors(request: Req) -> dict[str, Any]:
    """Your second factors: their numbers, kinds, labels, when added and last used."""
    service = service_of(request)
    return {
        "factors": [
            {
                "factor": f.factor_id,
                "kind": f.kind.value,
                "label": f.label,
                "created_at": f.created_at.isoformat(timespec="seconds"),
                "last_used_at": f.last_used_at.isoformat(timespec="seconds")
                if f.last_used_at
                else None,
            }
            for f in list_factors(service.engine, principal_of(request).user.name)
        ]
    }


@post("/api/mfa/totp", opt=_MANAGE, sync_to_thread=True, status_code=200)
def add_app(request: Req, data: JSONBody[NewApp]) -> dict[str, Any]:
    """Start adding an authenticator app: its ``otpauth://`` URI, shown once."""
    service = service_of(request)
    started = begin_totp(
        service.settings, service.engine, _proof(request), label=data.label, now=service.clock()
    )
    return {"uri": started.uri, "factor": started.factor_id}


@post("/api/mfa/totp/confirm", opt=_MANAGE, sync_to_thread=True, status_code=200)
def confirm_app(request: Req, data: JSONBody[Confirmation]) -> dict[str, Any]:
    """The new app's first code: the app is enrolled."""
    service = service_of(request)
    proof = _proof(request)
    confirm_totp(
        service.settings,
        service.engine,
        service.log,
        proof.user,
        data.factor,
        data.answer,
        now=service.clock(),
    )
    return {"enrolled": data.factor}


@post("/api/mfa/webauthn/options", opt=_MANAGE, sync_to_thread=True, status_code=200)
def key_options(request: Req, data: JSONBody[Empty]) -> dict[str, Any]:
    """The challenge to add a security key (``navigator.credentials.create()``)."""
    del data
    service = service_of(request)
    options = webauthn_registration(
        service.settings, service.engine, _proof(request), now=service.clock()
    )
    return {"publicKey": json.loads(options)}


@post("/api/mfa/webauthn", opt=_MANAGE, sync_to_thread=True, status_code=200)
def add_key(request: Req, data: JSONBody[NewKey]) -> dict[str, Any]:
    """The new security key's answer: the key is enrolled."""
    service = service_of(request)
    proof = _proof(request)
    rp = webauthn.RelyingParty.from_settings(service.settings)
    factor = webauthn.register(
        service.engine,
        service.log,
        rp,
        proof.user,
        data.answer,
        label=data.label,
        now=service.clock(),
    )
    return {"enrolled": factor}


@post("/api/mfa/recovery", opt=_MANAGE, sync_to_thread=True, status_code=200)
def new_recovery_codes(request: Req, data: JSONBody[Empty]) -> dict[str, Any]:
    """A new set of recovery codes, shown once; the old set stops working."""
    del data
    service = service_of(request)
    codes = issue_recovery_codes(
        service.settings, service.engine, service.log, _proof(request), now=service.clock()
    )
    return {"recovery_codes": codes}


@delete("/api/mfa/{factor_id:int}", opt=_MANAGE, sync_to_thread=True, status_code=200)
def remove(request: Req, factor_id: RowNumber) -> dict[str, Any]:
    """Remove one of your factors (the last app or key takes the recovery codes with it)."""
    service = service_of(request)
    removed = remove_factor(
        service.engine, service.log, _proof(request), factor_id, now=service.clock()
    )
    return {"removed": removed}


ROUTES = [factors, add_app, confirm_app, key_options, add_key, new_recovery_codes, remove]
