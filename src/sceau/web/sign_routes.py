"""``POST /api/mandates``: a controller hands the service a mandate they signed on their own
machine or in their browser; the private key never comes here.

The service checks it as if it signed it itself (:func:`sceau.mandate.sign.accept_signed`): the
rules, the dates, the lab, and a signature by the caller's own key that the audit trail proves
registered and never revoked. Signing binds the person: the route wants a fresh
re-authentication, like registering the key did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, post
from litestar.params import JSONBody

from sceau.mandate.sign import accept_signed
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.labs import require_own_lab
from sceau.web.run_routes import MAX_MANDATE_BYTES

Req = Request[Any, Any, Any]


@dataclass
class SignedMandate:
    mandate: str  # the mandate's text, byte for byte as it was signed (UTF-8)
    signature: str  # its signature document (MANDATE.sig)


@post(
    "/api/mandates",
    opt=needs("mandate.sign", fresh=True),
    sync_to_thread=True,
    status_code=201,
    request_max_body_size=MAX_MANDATE_BYTES,
)
def hand_in_signed(request: Req, data: JSONBody[SignedMandate]) -> dict[str, Any]:
    """Keep a mandate you signed with your own registered key; the answer names its page."""
    service = service_of(request)
    user = principal_of(request).user.name
    body = data.mandate.encode("utf-8")
    require_own_lab(service.engine, user, body)
    sha256 = accept_signed(
        body,
        data.signature.encode("utf-8"),
        service.engine,
        service.log,
        service.log,
        user=user,
        now=service.clock(),
    )
    return {"sha256": sha256, "page": f"/mandates/{sha256}"}


ROUTES = [hand_in_signed]
