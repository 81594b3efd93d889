"""An account's second factors as rows: what each is, when it was added and last used.

The secrets themselves stay in their own modules (:mod:`.totp`, :mod:`.webauthn`,
:mod:`.recovery`); this one lists, finds and deletes rows, and holds the errors they share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, Engine, delete, insert, select

from sceau.accounts.errors import AccountError
from sceau.accounts.users import utc
from sceau.store.schema import mfa_factors, recovery_codes

ENROLMENT_MINUTES = 10  # a factor not proven within this is forgotten


class MfaError(AccountError):
    """A second factor cannot be enrolled, used or removed as asked."""


class WrongFactor(MfaError):
    """A second factor was refused. ``reason`` is for the audit trail; ``kind`` what was tried.

    The message never quotes what was typed: it could be a password in the wrong field.
    """

    def __init__(self, message: str, *, kind: str, reason: str, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.kind = kind
        self.reason = reason


class Kind(StrEnum):
    TOTP = "totp"
    WEBAUTHN = "webauthn"
    RECOVERY = "recovery"


@dataclass(frozen=True)
class Factor:
    """One enrolled factor, as its owner sees it in `sceau mfa list`."""

    factor_id: int
    user: str
    kind: Kind
    label: str
    created_at: datetime
    last_used_at: datetime | None


def list_factors(engine: Engine, user: str) -> list[Factor]:
    """``user``'s proven factors, oldest first (pending enrolments are not factors yet)."""
    with engine.connect() as connection:
        return _factors(connection, user)


def has_factor(connection: Connection, user: str) -> bool:
    """Whether ``user`` has a TOTP or WebAuthn factor: recovery codes alone do not count."""
    return any(factor.kind is not Kind.RECOVERY for factor in _factors(connection, user))


def get_factor(connection: Connection, user: str, factor_id: int) -> Factor | None:
    return next((f for f in _factors(connection, user) if f.factor_id == factor_id), None)


def insert_factor(connection: Connection, **values: object) -> int:
    """A new factor row; its number (never reused: see the table's autoincrement)."""
    key = connection.execute(insert(mfa_factors).values(**values)).inserted_primary_key
    if key is None:  # pragma: no cover  (every dialect sceau supports returns it)
        raise MfaError("the state store did not number the new factor")
    return int(key[0])


def delete_factor(connection: Connection, factor_id: int) -> None:
    """The factor's row and, for a recovery set, its codes."""
    connection.execute(delete(recovery_codes).where(recovery_codes.c.factor_id == factor_id))
    connection.execute(delete(mfa_factors).where(mfa_factors.c.factor_id == factor_id))


def _factors(connection: Connection, user: str) -> list[Factor]:
    rows = connection.execute(
        select(mfa_factors)
        .where(mfa_factors.c.user == user, mfa_factors.c.confirmed_at.is_not(None))
        .order_by(mfa_factors.c.factor_id)
    ).all()
    return [
        Factor(
            factor_id=row.factor_id,
            user=row.user,
            kind=Kind(row.kind),
            label=row.label,
            created_at=utc(row.created_at),
            last_used_at=None if row.last_used_at is None else utc(row.last_used_at),
        )
        for row in rows
    ]
