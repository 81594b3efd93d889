"""My labs' mandates as pages: the drafts and signed mandates, one draft to review and edit
(header fields, each column's treatment beside the scan's finding, the controller overruling a
finding with a reason after giving password and second factor again), its diff against the last
signed version, and one signed mandate with its signer and the runs that used it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from sceau.accounts import AccessDenied, allowed
from sceau.detect.base import Category
from sceau.events import AccessDenied as Refused
from sceau.mandate.draft_diff import diff_mandates
from sceau.mandate.draft_edit import (
    CONTROLLER_FIELDS,
    HEADER,
    TREATMENTS,
    header_values,
    overrule,
    set_header,
    set_treatment,
)
from sceau.mandate.drafts import list_drafts, save_change, save_overrule
from sceau.mandate.parse import parse_mandate
from sceau.urls import redact_url
from sceau.web.console.form import URL_ENCODED
from sceau.web.console.pages import whoami
from sceau.web.console.render import Req, page, render, words_of
from sceau.web.draft_routes import (
    draft_from_scan,
    draft_json,
    last_signed,
    mandate_json,
    my_labs,
    signed_of_labs,
    visible_draft,
    visible_mandate,
)
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.login_routes import prove_again
from sceau.web.scans import list_scans


@dataclass
class HeaderFields:
    """The header form: a field left out is left as it is (an operator's form has no
    controller's fields)."""

    purpose: str | None = None
    legal_reference: str | None = None
    controller_name: str | None = None
    processor_name: str | None = None
    processor_finess: str | None = None
    validity_from: str | None = None
    validity_until: str | None = None
    destination_location: str | None = None
    destination_table: str | None = None
    destination_create: str | None = None
    staging_retention_days: str | None = None


@dataclass
class ScanChoice:
    scan_id: int
    table: str = ""


@dataclass
class TreatmentChoice:
    column: str
    treatment: str
    to: str = ""


@dataclass
class Overrule:
    column: str
    password: str
    answer: str = ""
    category: str = ""
    reason: str = ""


@get("/mandates", opt={**needs("mandate.verify"), **page()}, sync_to_thread=True)
def mandates_page(request: Req) -> Response[str]:
    """My labs' drafts (the latest changed first) and signed mandates."""
    drafts = list_drafts(service_of(request).engine, my_labs(request))
    return render(
        request,
        "mandates.html",
        title=words_of(request)("console.nav.mandates"),
        drafts=[draft_json(d) for d in drafts],
        signed=signed_of_labs(request),
        scans=list_scans(service_of(request).engine, my_labs(request)),
        **whoami(request),
    )


@post("/mandates/drafts", opt={**needs("mandate.draft"), **page()}, sync_to_thread=True)
def new_draft(request: Req, data: Annotated[ScanChoice, URL_ENCODED]) -> Redirect:
    """Draft a mandate from one of my labs' scans, and open it."""
    draft_id = draft_from_scan(request, data.scan_id, data.table.strip() or None)
    return _back(request, draft_id)


@get(
    "/mandates/drafts/{draft_id:str}",
    opt={**needs("mandate.verify"), **page()},
    sync_to_thread=True,
)
def draft_page(request: Req, draft_id: FromPath[str]) -> Response[str]:
    """One draft: its header form, each column's finding and treatment, the overrule form."""
    draft = draft_json(visible_draft(request, draft_id))
    role = principal_of(request).user.role
    may_sign = allowed(role, "mandate.sign") and draft["problem"] is None
    return render(
        request,
        "draft.html",
        title=words_of(request)("console.mandates.draft_title", mandate=draft["mandate_id"]),
        draft=draft,
        fields=[(field, kind.name.lower()) for field, kind in HEADER.items()],
        controller_fields=CONTROLLER_FIELDS,
        treatments=TREATMENTS,
        categories=[c.value for c in Category],
        may_edit=allowed(role, "mandate.draft"),
        may_overrule=allowed(role, "mandate.overrule"),
        sign={"body_url": draft["body"], "draft_id": draft_id, "mandate_id": draft["mandate_id"]}
        if may_sign
        else None,
        **whoami(request),
    )


@post(
    "/mandates/drafts/{draft_id:str}/header",
    opt={**needs("mandate.draft"), **page()},
    sync_to_thread=True,
)
def header_form(
    request: Req,
    draft_id: FromPath[str],
    data: Annotated[HeaderFields, URL_ENCODED],
) -> Redirect:
    """Set the header fields that changed; the controller's own words only by a controller."""
    draft = visible_draft(request, draft_id)
    principal = principal_of(request)
    current = header_values(draft.body)
    given = {field: getattr(data, field.replace(".", "_")) for field in HEADER}
    changed = {
        field: value
        for field, value in given.items()
        if value is not None and value.strip() != current[field]
    }
    service = service_of(request)
    role = principal.user.role
    if any(f in CONTROLLER_FIELDS for f in changed) and not allowed(role, "mandate.overrule"):
        refusal = f"role {role} not allowed"
        service.log.record(
            Refused(actor=principal.user.name, command="mandate.overrule", reason=refusal)
        )
        raise AccessDenied(
            "only the controller writes the purpose, the legal basis and the controller's name",
            hint="leave these fields to the lab's controller",
            where="draft header",
        )
    body = draft.body
    for field, value in changed.items():
        body = set_header(body, field, value)
    if changed:
        save_change(
            service.engine,
            service.log,
            draft,
            body,
            field=",".join(changed),
            by=principal.user.name,
            now=service.clock(),
        )
    return _back(request, draft_id)


@post(
    "/mandates/drafts/{draft_id:str}/treatment",
    opt={**needs("mandate.draft"), **page()},
    sync_to_thread=True,
)
def treatment_form(
    request: Req, draft_id: FromPath[str], data: Annotated[TreatmentChoice, URL_ENCODED]
) -> Redirect:
    """Choose one column's treatment (and the name it is loaded under)."""
    draft = visible_draft(request, draft_id)
    body = set_treatment(draft.body, data.column, data.treatment, data.to)
    if body != draft.body:
        service = service_of(request)
        save_change(
            service.engine,
            service.log,
            draft,
            body,
            field=f"columns.{data.column}.treatment",
            by=principal_of(request).user.name,
            now=service.clock(),
        )
    return _back(request, draft_id)


@post(
    "/mandates/drafts/{draft_id:str}/overrule",
    opt={**needs("mandate.overrule"), **page()},
    sync_to_thread=True,
)
def overrule_form(
    request: Req, draft_id: FromPath[str], data: Annotated[Overrule, URL_ENCODED]
) -> Redirect:
    """Overrule the scan's finding on one column with the controller's category and reason
    (an empty category takes it back), after the password and second factor again."""
    draft = visible_draft(request, draft_id)
    prove_again(request, data.password, data.answer)
    body = overrule(draft.body, data.column, data.category, data.reason)
    service = service_of(request)
    save_overrule(
        service.engine,
        service.log,
        draft,
        body,
        column=data.column,
        by=principal_of(request).user.name,
        now=service.clock(),
    )
    return _back(request, draft_id)


@get(
    "/mandates/drafts/{draft_id:str}/diff",
    opt={**needs("mandate.verify"), **page()},
    sync_to_thread=True,
)
def diff_page(request: Req, draft_id: FromPath[str]) -> Response[str]:
    """What the draft changes against its last signed version."""
    draft = visible_draft(request, draft_id)
    base = last_signed(request, draft)
    return render(
        request,
        "draft_diff.html",
        title=words_of(request)("console.mandates.diff_title", mandate=draft.mandate_id),
        draft_id=draft_id,
        base=base and {"sha256": base["sha256"], "mandate_id": base["mandate_id"]},
        diff=diff_mandates(base["body"], draft.body) if base else None,
        **whoami(request),
    )


@get("/mandates/{sha256:str}", opt={**needs("mandate.verify"), **page()}, sync_to_thread=True)
def mandate_page(request: Req, sha256: FromPath[str]) -> Response[str]:
    """One signed mandate: what it allows, who signed it with which key, the runs that used it."""
    facts = mandate_json(request, visible_mandate(request, sha256))
    mandate = parse_mandate(facts["body"].encode("utf-8"), where=f"mandate {sha256[:16]}")
    fingerprint = facts["fingerprint"]
    return render(
        request,
        "mandate.html",
        title=words_of(request)("mandate.heading", mandate=mandate.mandate_id),
        facts=facts,
        mandate=mandate,
        source=redact_url(mandate.source),
        destination=redact_url(mandate.destination),
        fingerprint=" ".join(fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4)),
        dropped=len(mandate.source_columns) - len(mandate.moved),
        **whoami(request),
    )


def _back(request: Req, draft_id: str) -> Redirect:
    return Redirect(f"/mandates/drafts/{draft_id}?{request.url.query}", status_code=303)


ROUTES = [
    mandates_page,
    new_draft,
    draft_page,
    header_form,
    treatment_form,
    overrule_form,
    diff_page,
    mandate_page,
]
