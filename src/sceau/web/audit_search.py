"""The audit trail's search as the API and the console both ask it: the filters read from the
query string and checked, the person's labs applied, and an entry as JSON."""

from __future__ import annotations

from dataclasses import dataclass
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
_LAST_POSITION = 2**63 - 1  # the largest entry number a row can hold


@dataclass(frozen=True)
class Filters:
    """What a person asks the trail for, as the query string says it; empty is "any"."""

    event: str = ""
    actor: str = ""
    run: str = ""
    mandate: str = ""
    since: str = ""
    until: str = ""


def search_for(
    request: Req, filters: Filters, *, before: int | None = None, limit: int = 50
) -> Page:
    """The page of entries ``filters`` ask for, among those the person's labs may see."""
    if filters.event and filters.event not in EVENTS:
        raise SceauError(
            "no event has this name",
            hint="choose one of the names the list offers",
            where="event",
        )
    for field in ("actor", "run", "mandate"):
        if len(getattr(filters, field)) > _LONGEST:
            raise SceauError("this filter is too long to match anything", where=field)
    if not 1 <= limit <= MAX_PAGE:
        raise SceauError(f"a page holds 1 to {MAX_PAGE} entries", where="limit")
    if before is not None and not 0 <= before <= _LAST_POSITION:
        raise SceauError("no entry has this number", where="before")
    query = Query(
        name=filters.event or None,
        actor=filters.actor or None,
        run_id=filters.run or None,
        mandate=filters.mandate or None,
        since=_moment(filters.since, "since"),
        until=_moment(filters.until, "until"),
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
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise SceauError(
            "this is not a date",
            hint="write it as 2026-03-31 or 2026-03-31T14:30 (UTC)",
            where=field,
        ) from None
