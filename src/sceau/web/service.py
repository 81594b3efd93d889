"""What every request handler shares: the settings, the state store, the audit log, the clock;
and who is asking (:class:`Principal`), as the guard established it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from litestar.params import PathParameter
from sqlalchemy import Engine

from sceau.accounts import PasswordParams, User
from sceau.audit.sink import AuditLog
from sceau.config import Settings
from sceau.errors import SceauError

# A number in a route's path (an alert, an entry, a factor) that a database row can have: one
# beyond 64 bits is refused as a bad request, before any store refuses to bind it
RowNumber = Annotated[int, PathParameter(ge=0, le=2**63 - 1)]


class NotFound(SceauError):
    """What was asked for does not exist, or belongs to a lab the person does not work for.

    Both are answered alike; ``elsewhere`` (another lab's) is for the audit trail only, where
    someone reaching for another lab's runs is an insider worth an alert.
    """

    def __init__(
        self, message: str, *, hint: str = "", where: str = "", elsewhere: bool = False
    ) -> None:
        super().__init__(message, hint=hint, where=where)
        self.elsewhere = elsewhere


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Service:
    """The service's own state: one per process, built by :func:`sceau.web.create_app`."""

    settings: Settings
    engine: Engine
    log: AuditLog
    token_key: bytes = field(repr=False)  # keys the hashes of session and API tokens
    clock: Callable[[], datetime] = field(default=_now)
    password_params: PasswordParams | None = None  # Argon2 cost; tests pass a cheap one
    require_mfa: bool = True  # every account gives a second factor; off only for a demo
    tls: bool = False  # served over TLS (itself, or by the proxy in front): HSTS is sent
    rounds: int = 0  # supervision rounds done since the start


@dataclass(frozen=True)
class Principal:
    """The person behind a request: their account, how they proved it, and how far.

    ``via`` is ``session`` (the browser's cookie) or ``token`` (a CLI client's API token);
    ``complete`` is False while a session waits for its second factor; ``stage`` says which
    step it waits at (``pending``: the factor; ``enrol``: enrolling one). ``reauth_at`` is when
    the password and factor were last given again in this session (``POST /auth/reauth``).
    """

    user: User
    via: str
    complete: bool
    token_sha256: str
    stage: str = "complete"
    reauth_at: datetime | None = None
