"""Enrolment codes: the first second factor is enrolled by the person the admin meant.

Without one, whoever first logged in with a new account's password enrolled its factor (trust
on first use): a password seen over a shoulder or sent by e-mail was enough to own the account
for good. The admin now gives a one-time code with the account (``sceau users add`` prints it
once; ``sceau users enrolment-code`` and ``sceau mfa reset`` issue a new one), and the service
asks for it before the first factor can be enrolled. A code has the shape of a recovery code
(:mod:`.recovery`), is stored as an HMAC under its own sub-key of the MFA key, lasts
:data:`HOURS` hours, works once, and a new one replaces the old. A wrong code is a failed login,
counted by the login's throttle. The command line's embedded single-user mode does not use them.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select

from sceau.accounts.factors import WrongFactor
from sceau.accounts.mfa_key import MfaKey
from sceau.accounts.recovery import new_code, parse_code
from sceau.accounts.users import utc
from sceau.events import EnrolmentCodeIssued, EnrolmentCodeUsed, EventSink
from sceau.store.schema import enrolment_codes

HOURS = 72
KIND = "enrolment"  # what a failure records as the kind tried
_ASK = "ask an admin for a new enrolment code (sceau users enrolment-code NAME)"


def issue(
    engine: Engine,
    events: EventSink,
    key: MfaKey,
    user: str,
    *,
    by: str,
    now: datetime | None = None,
) -> str:
    """A new enrolment code for ``user``, replacing any earlier one; shown once, not stored."""
    now = utc(now or datetime.now(UTC))
    code = new_code()
    expires = now + timedelta(hours=HOURS)
    events.record(EnrolmentCodeIssued(actor=by, user=user, expires=expires.isoformat(), at=now))
    with engine.begin() as connection:
        connection.execute(delete(enrolment_codes).where(enrolment_codes.c.user == user))
        connection.execute(
            insert(enrolment_codes).values(
                user=user,
                digest=key.enrolment_digest(user, parse_code(code)),
                issued_by=by,
                issued_at=now,
                expires_at=expires,
            )
        )
    return code


def use(
    engine: Engine, events: EventSink, key: MfaKey, user: str, text: str, *, now: datetime
) -> None:
    """Spend ``user``'s enrolment code, typed as ``text``; :class:`WrongFactor` if it is not
    theirs, is expired, or was used (the caller counts it as a failed login)."""
    code = parse_code(text, what="an enrolment code", kind=KIND)
    digest = key.enrolment_digest(user, code)
    with engine.begin() as connection:
        row = connection.execute(
            select(enrolment_codes).where(enrolment_codes.c.user == user).with_for_update()
        ).one_or_none()
        if row is None:
            raise WrongFactor(
                "this account has no enrolment code: it was used, or never issued",
                kind=KIND,
                reason="no enrolment code",
                hint=_ASK,
            )
        if not hmac.compare_digest(row.digest, digest):
            raise WrongFactor(
                "the enrolment code is wrong", kind=KIND, reason="wrong enrolment code", hint=_ASK
            )
        if utc(row.expires_at) <= now:
            raise WrongFactor(
                f"the enrolment code expired (it lasts {HOURS} hours)",
                kind=KIND,
                reason="expired enrolment code",
                hint=_ASK,
            )
        connection.execute(delete(enrolment_codes).where(enrolment_codes.c.user == user))
    events.record(EnrolmentCodeUsed(actor=user, user=user, at=now))
