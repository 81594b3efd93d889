"""Security headers on every response, errors and unknown routes included; no server banner.

The console serves no inline script and is never framed; nothing is sent to other origins.
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "x-frame-options": "DENY",
    "cache-control": "no-store",  # answers name people and runs: no cache keeps them
}
HSTS = "max-age=63072000; includeSubDomains"


def security_headers(tls: bool) -> Any:
    """A ``before_send`` hook adding the headers (and HSTS when the service is behind TLS)."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in HEADERS.items():
            headers[name] = value
        if tls or scope.get("scheme") == "https":
            headers["strict-transport-security"] = HSTS
        if "server" in headers:
            del headers["server"]

    return add_headers
