"""``/api/drafts`` and ``/api/mandates/{sha256}``: my labs' draft mandates (with the exact text
that gets signed) and their signed mandates; another lab's is answered as a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

from sceau.accounts.labs import labs_of
from sceau.errors import SceauError
from sceau.mandate.draft import pick_table
from sceau.mandate.draft_edit import column_rules, header_values, read_toml
from sceau.mandate.drafts import Draft, create_draft, find_draft, list_drafts
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import check_mandate
from sceau.mandate.signers import find_signer
from sceau.migrate import runs as repository
from sceau.store.schema import mandates
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.labs import mandate_labs
from sceau.web.scans import stored_scan
from sceau.web.service import NotFound

Req = Request[Any, Any, Any]
_LARGEST_ROW = 2**63 - 1
_EVIDENCE = (  # what a finding shows of a column: counts and reasons, never a value or its shape
    "category",
    "confidence",
    "sensitivity",
    "non_null",
    "matches",
    "health_categories",
    "health_set_aside",
    "embedded",
    "evidence",
)


@dataclass
class FromScan:
    scan_id: int  # a scan of one of your labs, handed to the service (POST /api/scans)
    table: str | None = None  # the table, when the scan read several


def my_labs(request: Req) -> frozenset[str]:
    return labs_of(service_of(request).engine, principal_of(request).user.name)


def visible_draft(request: Req, draft_id: str) -> Draft:
    """The draft ``draft_id`` if it is of one of my labs; NotFound otherwise, either way alike."""
    draft = find_draft(service_of(request).engine, draft_id)
    if draft is None or draft.lab not in my_labs(request):
        raise NotFound(
            "no draft with this id among your labs' drafts",
            where=f"draft {draft_id}",
            elsewhere=draft is not None,
        )
    return draft


def visible_mandate(request: Req, sha256: str) -> dict[str, Any]:
    """The signed mandate ``sha256`` of one of my labs, as its row; NotFound otherwise."""
    engine = service_of(request).engine
    with engine.connect() as connection:
        row = connection.execute(select(mandates).where(mandates.c.sha256 == sha256)).first()
    lab = mandate_labs(engine).get(sha256) if row is not None else None
    if row is None or lab not in my_labs(request):
        raise NotFound(
            "no signed mandate with this SHA-256 among your labs' mandates",
            where=f"mandate {sha256[:16]}",
            elsewhere=row is not None,
        )
    return dict(row._mapping)


def signed_of_labs(request: Req) -> list[dict[str, Any]]:
    """My labs' signed mandates, the latest signed first (without their text)."""
    engine = service_of(request).engine
    owners, labs = mandate_labs(engine), my_labs(request)
    with engine.connect() as connection:
        rows = connection.execute(
            select(mandates.c.sha256, mandates.c.mandate_id, mandates.c.signed_at).order_by(
                mandates.c.signed_at.desc()
            )
        ).all()
    return [
        {
            "sha256": row.sha256,
            "mandate_id": row.mandate_id,
            "signed_at": row.signed_at.isoformat(timespec="seconds"),
        }
        for row in rows
        if owners.get(row.sha256) in labs
    ]


def last_signed(request: Req, draft: Draft) -> dict[str, Any] | None:
    """The signed mandate a draft is compared with: the latest of its lab with the same
    mandate_id, else the latest of its lab over the same source (and table)."""
    engine = service_of(request).engine
    owners = mandate_labs(engine)
    source = _source_of(draft.body)
    with engine.connect() as connection:
        rows = connection.execute(select(mandates).order_by(mandates.c.signed_at.desc())).all()
    ours = [dict(row._mapping) for row in rows if owners.get(row.sha256) == draft.lab]
    same_id = [row for row in ours if row["mandate_id"] == draft.mandate_id]
    same_source = [row for row in ours if _source_of(row["body"]) == source]
    return next(iter(same_id or same_source), None)


def _source_of(body: str) -> tuple[str, str]:
    try:
        source = read_toml(body).get("source", {})
    except SceauError:
        return "", ""
    if not isinstance(source, dict):
        return "", ""
    return str(source.get("location", "")), str(source.get("table", ""))


def signing_problem(body: str) -> dict[str, str] | None:
    """What still keeps a draft from being signed (the first thing the rules refuse), or None."""
    try:
        check_mandate(parse_mandate(body.encode("utf-8"), where="draft"))
    except SceauError as error:
        return {"message": error.message, "hint": error.hint, "where": error.where}
    return None


def draft_json(draft: Draft) -> dict[str, Any]:
    """A draft as the API answers it: its header, each column's rule beside the scan's
    finding, and what still keeps it from being signed."""
    return {
        "draft_id": draft.draft_id,
        "lab": draft.lab,
        "scan_id": draft.scan_id,
        "mandate_id": draft.mandate_id,
        "created_by": draft.created_by,
        "created_at": draft.created_at.isoformat(timespec="seconds"),
        "changed_by": draft.changed_by,
        "changed_at": draft.changed_at.isoformat(timespec="seconds"),
        "header": header_values(draft.body),
        "columns": [
            {"name": name, "rule": rule, "finding": finding_of(draft, name)}
            for name, rule in column_rules(draft.body).items()
        ],
        "problem": signing_problem(draft.body),
        "body": f"/api/drafts/{draft.draft_id}/body",
    }


def finding_of(draft: Draft, column: str) -> dict[str, Any] | None:
    """What the scan found in ``column``: category, confidence, counts and the detectors'
    reasons (never the value's shape the scan report also keeps)."""
    found = draft.finding(column)
    return None if found is None else {k: found[k] for k in _EVIDENCE if k in found}


def mandate_json(request: Req, row: dict[str, Any]) -> dict[str, Any]:
    """A signed mandate: who signed it with which key, when, and the runs that used it."""
    engine = service_of(request).engine
    signer = find_signer(engine, row["fingerprint"])
    used = [r for r in repository.list_runs(engine) if r.mandate_sha256 == row["sha256"]]
    return {
        "sha256": row["sha256"],
        "mandate_id": row["mandate_id"],
        "signer": signer.name if signer is not None else None,
        "fingerprint": row["fingerprint"],
        "signed_at": row["signed_at"].isoformat(timespec="seconds"),
        "runs": [{"run_id": r.run_id, "state": r.state.value} for r in used],
        "body": row["body"],
    }


def draft_from_scan(request: Req, scan_id: int, table: str | None) -> str:
    """A new draft of one of my labs' scans (the scan's lab is the draft's); its id."""
    service = service_of(request)
    if not 0 <= scan_id <= _LARGEST_ROW:  # the store could not even look it up
        raise NotFound("no scan with this number among your labs' scans", where=f"scan {scan_id}")
    scanned = stored_scan(service.engine, scan_id, my_labs(request))
    return create_draft(
        service.engine,
        service.log,
        lab=scanned.finess,
        report=scanned.report,
        table=table,
        source=pick_table(scanned.report, table, where=f"scan {scan_id}").source,
        scan_id=scan_id,
        by=principal_of(request).user.name,
        now=service.clock(),
    )


@post("/api/drafts", opt=needs("mandate.draft"), sync_to_thread=True, status_code=201)
def drafts_create(request: Req, data: JSONBody[FromScan]) -> dict[str, str]:
    """Draft a mandate from a scan of one of my labs: every column dropped, the rest TODO."""
    draft_id = draft_from_scan(request, data.scan_id, data.table or None)
    return {"draft_id": draft_id, "page": f"/mandates/drafts/{draft_id}"}


@get("/api/drafts", opt=needs("mandate.verify"), sync_to_thread=True)
def drafts_list(request: Req) -> dict[str, Any]:
    """My labs' draft mandates, the latest changed first."""
    drafts = list_drafts(service_of(request).engine, my_labs(request))
    return {"drafts": [draft_json(d) for d in drafts]}


@get("/api/drafts/{draft_id:str}", opt=needs("mandate.verify"), sync_to_thread=True)
def drafts_show(request: Req, draft_id: FromPath[str]) -> dict[str, Any]:
    """One draft of my labs: header, rules beside findings, what keeps it from being signed."""
    return draft_json(visible_draft(request, draft_id))


@get("/api/drafts/{draft_id:str}/body", opt=needs("mandate.verify"), sync_to_thread=True)
def drafts_body(request: Req, draft_id: FromPath[str]) -> Response[bytes]:
    """The draft's exact TOML bytes: what a signature covers."""
    body = visible_draft(request, draft_id).body.encode("utf-8")
    return Response(body, media_type="text/plain; charset=utf-8")


@get("/api/mandates/{sha256:str}", opt=needs("mandate.verify"), sync_to_thread=True)
def mandates_show(request: Req, sha256: FromPath[str]) -> dict[str, Any]:
    """One signed mandate of my labs, its text, signer and the runs that used it."""
    return mandate_json(request, visible_mandate(request, sha256))


ROUTES = [drafts_create, drafts_list, drafts_show, drafts_body, mandates_show]
