"""The audit trail's search as the API and the console both ask it: the filters read from the
query string and checked, the person's labs applied, and an entry as JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request

from sceau.accounts.labs import labs_of
from sceau.audit.entry import LoggedEvent
from sceau.audit.search import MAX_PAGE, Page, Query, search
from sceau.errors import SceauError
from sceau.events import EVENTS
from sceau.web.guard import principal_of, service_of
from sceau.web.labs import audit_scope

Req = Request[Any, Any, Any]
EVENT_NAMES = sorted(EVENTS)
_LONGEST = 256  # an actor, run id or mandate hash is never longer


def search_for(
    request: Req,
    *,
    event: str = "",
    actor: str = "",
    run: str = "",
    mandate: str = "",
    since: str = "",
    until: str = "",
    before: int | None = None,
    limit: int = 50,
) -> Page:
    """The page of entries these filters ask for (an empty one is "any"), among those the
    person's labs may see."""
    if event and event not in EVENTS:
        raise SceauError(
            "no event has this name",
            hint="choose one of the names the list offers",
            where="event",
        )
    for field, value in (("actor", actor), ("run", run), ("mandate", mandate)):
        if len(value) > _LONGEST:
            raise SceauError("this filter is too long to match anything", where=field)
    if not 1 <= limit <= MAX_PAGE:
        raise SceauError(f"a page holds 1 to {MAX_PAGE} entries", where="limit")
    if before is not None and before < 0:
        raise SceauError("an entry's number is never negative", where="before")
    query = Query(
        name=event or None,
        actor=actor or None,
        run_id=run or None,
        mandate=mandate or None,
        since=_moment(since, "since"),
        until=_moment(until, "until"),
        before=before,
        limit=limit,
    )
    service = service_of(request)
    labs = labs_of(service.engine, principal_of(request).user.name)
    return search(service.engine, query, audit_scope(service.engine, labs))


def entry_json(event: LoggedEvent) -> dict[str, Any]:
    """An entry as the API answers it: its number, time, actor, event name and facts."""
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "event": event.name,
        "facts": event.payload,
    }


def _moment(text: str, field: str) -> datetime | None:
    """A date or a date and time (ISO 8601, as a browser's date field sends it); UTC unless
    it names its zone."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SceauError(
            "this is not a date",
            hint="write it as 2026-03-31 or 2026-03-31T14:30 (UTC)",
            where=field,
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
