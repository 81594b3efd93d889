"""``POST /api/signers`` and ``POST /api/signers/{fingerprint}/revoke``: a controller registers
their own signing key through the service, and its owner or an admin revokes one.

Both want a fresh re-authentication (``needs(..., fresh=True)``): a session left open, or a
stolen API token, cannot put a key in the lab's name. The key is always named after the
logged-in account: nobody registers a key for someone else. The private half never comes here.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from litestar import Request, post
from litestar.params import FromPath, JSONBody

from sceau.accounts import AccessDenied, Role
from sceau.mandate.model import MandateError
from sceau.mandate.signers import Signer, find_signer, register_public_key, revoke_signer
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.service import NotFound

Req = Request[Any, Any, Any]


@dataclass
class PublicKey:
    public_key: str  # raw Ed25519, 32 bytes, base64


@dataclass
class Revocation:
    reason: str


@post(
    "/api/signers", opt=needs("keys.new-signer", fresh=True), sync_to_thread=True, status_code=201
)
def register_signer(request: Req, data: JSONBody[PublicKey]) -> dict[str, Any]:
    """Register your own public signing key (raw Ed25519, base64), named after your account."""
    service = service_of(request)
    principal = principal_of(request)
    try:
        raw = base64.b64decode(data.public_key.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MandateError(
            "the public key is not base64",
            hint="send the 32 bytes of the raw Ed25519 public key, base64-encoded",
            where="public_key",
        ) from None
    signer = register_public_key(
        service.engine, service.log, raw, user=principal.user.name, now=service.clock()
    )
    return _shown(signer)


@post(
    "/api/signers/{fingerprint:str}/revoke",
    opt=needs("keys.revoke", fresh=True),
    sync_to_thread=True,
    status_code=200,
)
def revoke(request: Req, fingerprint: FromPath[str], data: JSONBody[Revocation]) -> dict[str, Any]:
    """Revoke a signing key for good: your own, or, as an admin, anyone's."""
    service = service_of(request)
    principal = principal_of(request)
    signer = find_signer(service.engine, fingerprint)
    if signer is None:
        raise NotFound("no registered signer has this fingerprint", where=fingerprint)
    if signer.user != principal.user.name and principal.user.role is not Role.ADMIN:
        raise AccessDenied(
            "only the key's owner or an admin may revoke it",
            hint="ask the key's owner or an admin; if the key may be stolen, an admin can act now",
            where=fingerprint,
        )
    ended = revoke_signer(
        service.engine,
        service.log,
        fingerprint,
        by=principal.user.name,
        reason=data.reason,
        now=service.clock(),
    )
    return _shown(ended)


def _shown(signer: Signer) -> dict[str, Any]:
    return {
        "name": signer.name,
        "fingerprint": signer.fingerprint,
        "user": signer.user,
        "public_key": base64.b64encode(signer.public_key).decode("ascii"),
        "created_at": signer.created_at.isoformat(timespec="seconds"),
        "revoked_at": signer.revoked_at.isoformat(timespec="seconds")
        if signer.revoked_at
        else None,
    }


ROUTES = [register_signer, revoke]
