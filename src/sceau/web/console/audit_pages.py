"""The audit trail as pages: the search (by event, actor, run, mandate, time; newest first, a
page at a time), one entry with its hash and inclusion proof, and the proof's download that
``sceau audit check-proof`` checks offline. Only entries about the person's labs or the whole
installation are shown; another lab's entry is answered as a missing one."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import Response, get
from litestar.params import FromQuery

from sceau.audit.entry import LoggedEvent
from sceau.web.audit_routes import proven_entry
from sceau.web.audit_search import EVENT_NAMES, Filters, search_for
from sceau.web.console.pages import whoami
from sceau.web.console.render import Req, page, render, words_of
from sceau.web.guard import needs, service_of
from sceau.web.service import RowNumber


@get("/audit/entries", opt={**needs("audit.read"), **page()}, sync_to_thread=True)
def entries_page(
    request: Req,
    event: FromQuery[str] = "",
    actor: FromQuery[str] = "",
    run: FromQuery[str] = "",
    mandate: FromQuery[str] = "",
    since: FromQuery[str] = "",
    until: FromQuery[str] = "",
    before: FromQuery[int | None] = None,
) -> Response[str]:
    """The entries the filters ask for, newest first, with a link to the next page."""
    filters = Filters(event, actor, run, mandate, since, until)
    found = search_for(request, filters, before=before)
    asked = asdict(filters)
    return render(
        request,
        "audit_entries.html",
        title=words_of(request)("console.trail.title"),
        events=EVENT_NAMES,
        asked=asked,
        filters={key: value for key, value in asked.items() if value},
        entries=[_row(e) for e in found.entries],
        next_before=found.next_before,
        **whoami(request),
    )


@get("/audit/entries/{seq:int}", opt={**needs("audit.read"), **page()}, sync_to_thread=True)
def entry_page(request: Req, seq: RowNumber) -> Response[str]:
    """One entry: its facts, its leaf hash, and its inclusion proof against a signed
    checkpoint, with the audit key to check it against."""
    proven = proven_entry(request, seq)
    return render(
        request,
        "audit_entry.html",
        title=words_of(request)("console.trail.entry", seq=seq),
        entry=_row(proven.event),
        facts=sorted(proven.event.payload.items()),
        leaf_hash=proven.leaf_hash,
        proof=proven.proof,
        verifier=str(service_of(request).log.verifier),
        **whoami(request),
    )


@get("/audit/entries/{seq:int}/proof", opt={**needs("audit.read"), **page()}, sync_to_thread=True)
def proof_download(request: Req, seq: RowNumber) -> Response[str]:
    """The entry's inclusion proof as a file, in the form ``sceau audit check-proof`` reads."""
    proof = proven_entry(request, seq).proof
    return Response(
        proof,
        media_type="text/plain; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="sceau-entry-{seq}.tlog-proof"'},
    )


def _row(event: LoggedEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "actor": event.actor,
        "event": event.name,
        "facts": " · ".join(
            f"{key}={_text(value)}" for key, value in sorted(event.payload.items())
        ),
    }


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return "–" if value is None else str(value)


ROUTES = [entries_page, entry_page, proof_download]
