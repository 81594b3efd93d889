"""URLs as sceau shows them: in messages, reports and the state store, never with a password."""

from __future__ import annotations

import re

_PASSWORD_PARAMETER = re.compile(r"([?&])(?:password|passwd|pwd)=[^&#]*(?:&|$)", re.IGNORECASE)


def redact_url(url: str) -> str:
    """A database URL without its password, for messages and reports: neither the one after
    the user (``user:secret@host``) nor one given as a query parameter (``?password=secret``)."""
    if "://" not in url:
        return url
    if "@" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        url = f"{scheme}://{user}@{host}" if user else f"{scheme}://{host}"
    return _PASSWORD_PARAMETER.sub(r"\1", url).rstrip("?&")
