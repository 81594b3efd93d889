"""People see their open sessions and end them; an admin can end another account's.

A session is named by its short id (the start of its token's SHA-256), which opens nothing.
Each ending is recorded as ``auth.session_ended``, with who ended it and why.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select

from sceau.accounts.errors import AccountError
from sceau.accounts.policy import get_policy
from sceau.accounts.roles import allowed
from sceau.accounts.sessions import LOCAL, Session, session_end, short_id
from sceau.accounts.users import get_user, utc
from sceau.events import EventSink, SessionEnded
from sceau.store.schema import sessions


def list_sessions(engine: Engine, name: str, *, now: datetime | None = None) -> list[Session]:
    """The sessions of account ``name`` still open at ``now``, oldest first."""
    now = utc(now or datetime.now(UTC))
    policy = get_policy(engine)
    with engine.connect() as connection:
        user = get_user(connection, name)
        rows = connection.execute(
            select(sessions).where(sessions.c.user == name).order_by(sessions.c.created_at)
        ).all()
    if user is None:
        return []
    found = []
    for row in rows:
        end, _ = session_end(row, policy)
        if end > now:
            found.append(
                Session(
                    user=user,
                    created_at=utc(row.created_at),
                    expires_at=end,
                    id=short_id(row.token_sha256),
                    last_seen=utc(row.last_seen or row.created_at),
                    address=row.address or LOCAL,
                )
            )
    return found


def end_sessions(
    engine: Engine,
    events: EventSink,
    name: str,
    *,
    by: str,
    ids: Collection[str] | None = None,
    keep: str = "",
    reason: str,
    now: datetime | None = None,
) -> list[str]:
    """End sessions of account ``name``: those in ``ids`` (all if None), except ``keep``.

    ``by`` is the account itself, or an active admin. The short ids ended, each recorded.
    An id in ``ids`` that is not one of the account's sessions is refused, and nothing ends.
    """
    now = utc(now or datetime.now(UTC))
    if by != name:
        with engine.connect() as connection:
            manager = get_user(connection, by)
        if manager is None or not allowed(manager.role, "users.manage"):
            raise AccountError(
                "only the account itself or an admin may end its sessions",
                hint="log in as an admin: `sceau login NAME`",
                where=by,
            )
    with engine.connect() as connection:
        digests = list(
            connection.execute(
                select(sessions.c.token_sha256).where(sessions.c.user == name)
            ).scalars()
        )
    by_id = {short_id(digest): digest for digest in digests}
    if ids is not None:
        unknown = sorted(set(ids) - set(by_id))
        if unknown:
            raise AccountError(
                "no such session for this account",
                hint="`sceau sessions` lists yours, with their ids",
            )
        by_id = {key: by_id[key] for key in ids}
    chosen = {key: digest for key, digest in by_id.items() if key != keep}
    for key in sorted(chosen):
        events.record(SessionEnded(actor=by, user=name, session=key, reason=reason, at=now))
    if chosen:
        with engine.begin() as connection:
            connection.execute(
                delete(sessions).where(sessions.c.token_sha256.in_(list(chosen.values())))
            )
    return sorted(chosen)
