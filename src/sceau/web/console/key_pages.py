"""``/keys`` and ``/mandates/sign``: signing keys held by the browser, and signing in it.

A controller's signing key can be made *in this browser* (WebCrypto Ed25519, not extractable,
kept in the profile's IndexedDB by ``static/signing.js``): the service only ever sees its
public half, registered through ``POST /api/signers``. ``/keys`` lists the person's own keys
(each with its revoke form) and, read-only, the keys of the people of their labs.
``/mandates/sign`` signs a mandate file picked from the person's disk with that key
(``_sign.html``, which a draft's page includes too).
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get

from sceau.accounts.labs import labs_of
from sceau.crypto.signing import grouped
from sceau.mandate.signers import Signer, list_signers
from sceau.web.console.pages import whoami
from sceau.web.console.render import Req, page, render, words_of
from sceau.web.guard import needs, principal_of, service_of


@get("/keys", opt={**needs("signers.read"), **page()}, sync_to_thread=True)
def keys_page(request: Req) -> Response[str]:
    """My signing keys (the one in this browser among them), and my labs' people's keys."""
    service = service_of(request)
    me = principal_of(request).user.name
    labs = labs_of(service.engine, me)
    mine, lab = [], []
    for signer in list_signers(service.engine):
        if signer.user == me:
            mine.append(_shown(signer))
        elif signer.user is not None and labs & labs_of(service.engine, signer.user):
            lab.append(_shown(signer))
    return render(
        request,
        "keys.html",
        title=words_of(request)("console.keys.title"),
        mine=mine,
        lab=lab,
        **whoami(request),
    )


@get("/mandates/sign", opt={**needs("mandate.sign"), **page()}, sync_to_thread=True)
def sign_file_page(request: Req) -> Response[str]:
    """Sign a mandate file from my disk (drafted offline) with the key in this browser."""
    return render(
        request,
        "mandate_sign.html",
        title=words_of(request)("console.sign.title"),
        sign={"body_url": "", "draft_id": "", "mandate_id": ""},
        **whoami(request),
    )


def _shown(signer: Signer) -> dict[str, Any]:
    return {
        "owner": signer.user or signer.name,
        "fingerprint": signer.fingerprint,
        "grouped": grouped(signer.fingerprint),
        "created_at": f"{signer.created_at:%Y-%m-%d %H:%M}",
        "revoked_at": f"{signer.revoked_at:%Y-%m-%d %H:%M}" if signer.revoked_at else "",
    }


ROUTES = [keys_page, sign_file_page]
