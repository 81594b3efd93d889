"""Which labs each account works for: a person sees only the mandates, runs and reports of the
labs (FINESS numbers) they are a member of.

The service serves several labs at once; the regulator's case was a vendor holding 28 labs'
patients in one place. Membership is deny by default: an account with no lab sees no lab's data,
whatever its role. Only an admin adds or removes a membership, and each change is an event.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from sceau.accounts.errors import AccountError
from sceau.accounts.roles import allowed
from sceau.accounts.users import get_user
from sceau.events import EventSink, LabMemberAdded, LabMemberRemoved
from sceau.store.schema import lab_members

_FINESS = re.compile(r"(?:[0-9]{2}|2[AB])[0-9]{7}")  # the department first: 75…, 2A…, 97…


def check_finess(finess: str) -> None:
    """Refuse anything but a 9-character FINESS number."""
    if not _FINESS.fullmatch(finess):
        raise AccountError(
            "a lab is named by its 9-character FINESS number: the department (two digits, or "
            "2A or 2B for Corsica), then seven digits",
            hint="copy it from the mandate's [controller] finess",
        )


def labs_of(engine: Engine, user: str) -> frozenset[str]:
    """The FINESS numbers of the labs ``user`` works for (empty: none, so no lab's data)."""
    with engine.connect() as connection:
        rows = connection.execute(select(lab_members.c.finess).where(lab_members.c.user == user))
        return frozenset(row.finess for row in rows)


def add_member(engine: Engine, events: EventSink, user: str, finess: str, *, by: str) -> None:
    """Make ``user`` a member of the lab ``finess``; ``by`` must be an active admin."""
    check_finess(finess)
    with engine.connect() as connection:
        _check_admin_and_account(connection, user, by)
    events.record(LabMemberAdded(actor=by, user=user, finess=finess))
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(lab_members).values(
                    user=user, finess=finess, added_by=by, added_at=datetime.now(UTC)
                )
            )
    except IntegrityError:
        raise AccountError("the account is already a member of this lab", where=user) from None


def remove_member(engine: Engine, events: EventSink, user: str, finess: str, *, by: str) -> bool:
    """End ``user``'s membership of ``finess``; False if there was none."""
    check_finess(finess)
    with engine.connect() as connection:
        _check_admin(connection, by)
    events.record(LabMemberRemoved(actor=by, user=user, finess=finess))
    with engine.begin() as connection:
        done = connection.execute(
            delete(lab_members).where(lab_members.c.user == user, lab_members.c.finess == finess)
        )
    return done.rowcount > 0


def _check_admin(connection: Connection, by: str) -> None:
    manager = get_user(connection, by)
    if manager is None or not allowed(manager.role, "users.manage"):
        raise AccountError(
            "only an active admin may change which labs an account works for",
            hint="log in as an admin",
            where=by,
        )


def _check_admin_and_account(connection: Connection, user: str, by: str) -> None:
    _check_admin(connection, by)
    if get_user(connection, user) is None:
        raise AccountError(
            "no active account with this name", hint="`sceau users list` shows them", where=user
        )
