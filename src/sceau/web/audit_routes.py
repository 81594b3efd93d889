"""``/api/audit/*``: what the lab's witness fetches (the latest signed checkpoint, consistency
proofs between two, the witness request from the size it holds) and sends back (its
cosignature, or its refusal), inclusion proofs, and a full verification run by the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromQuery, JSONBody

from sceau.accounts.labs import labs_of
from sceau.audit.chain import leaf_hash
from sceau.audit.cosignature import Cosigner
from sceau.audit.cosigned import record_cosignature
from sceau.audit.entry import LoggedEvent, decode
from sceau.audit.proof import make_consistency, make_proof
from sceau.audit.verify import Verification, verify_log
from sceau.audit.witness import CAUGHT, WitnessError, request_from_log
from sceau.errors import SceauError
from sceau.events import (
    AuditVerificationFailed,
    AuditVerified,
    CosignatureRecorded,
    WitnessRefused,
)
from sceau.web.audit_search import Filters, entry_json, search_for
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.labs import visible_event
from sceau.web.service import NotFound, RowNumber, Service

Req = Request[Any, Any, Any]
TEXT = "text/plain; charset=utf-8"


@get("/api/audit/checkpoint", opt=needs("audit.read"), sync_to_thread=True)
def latest_checkpoint(request: Req) -> Response[str]:
    """The latest signed checkpoint, as a C2SP signed note (what a witness co-signs)."""
    signed = service_of(request).log.checkpoints()
    if not signed:
        raise NotFound(
            "the audit trail has no signed checkpoint yet",
            hint="the service's supervision signs one when the trail grows",
        )
    return Response(signed[-1].note + "\n", media_type=TEXT)


@get("/api/audit/consistency", opt=needs("audit.read"), sync_to_thread=True)
def consistency(request: Req, old: FromQuery[int], new: FromQuery[int]) -> Response[str]:
    """The proof that checkpoint ``new`` extends checkpoint ``old`` without changing it."""
    text = make_consistency(service_of(request).log, old, new)
    return Response(text + "\n", media_type=TEXT)


@get("/api/audit/witness", opt=needs("audit.read"), sync_to_thread=True)
def witness_request(request: Req, old_size: FromQuery[int]) -> Response[str]:
    """What a witness that holds ``old_size`` entries checks next: the newest checkpoint and
    the consistency proof from that size, as C2SP tlog-witness ``add-checkpoint`` writes it."""
    if old_size < 0:
        raise WitnessError("old_size cannot be negative", hint="give the size your witness holds")
    return Response(request_from_log(service_of(request).log, old_size).text(), media_type=TEXT)


@dataclass
class CosignedCheckpoint:
    note: str  # the checkpoint with the witness's cosignature line
    witness_key: str  # name+id+key, as `sceau audit witness init` printed it


@post("/api/audit/cosignatures", opt=needs("audit.read"), sync_to_thread=True, status_code=201)
def keep_cosignature(request: Req, data: JSONBody[CosignedCheckpoint]) -> dict[str, Any]:
    """Keep the cosignature a lab's witness sent back, once it verifies over one of this
    trail's checkpoints: `audit verify` then says how far each witness vouches for the trail."""
    service = service_of(request)
    try:
        cosigner = Cosigner.parse(data.witness_key)
        kept = record_cosignature(service.log, data.note, cosigner)
    except SceauError as error:
        raise WitnessError(error.message, hint=error.hint, where="cosignature") from None
    service.log.record(
        CosignatureRecorded(
            actor=principal_of(request).user.name,
            witness=kept.witness,
            number=kept.number,
            size=kept.size,
        )
    )
    return {"witness": kept.witness, "number": kept.number, "size": kept.size}


@dataclass
class WitnessRefusal:
    witness: str  # the witness's name
    origin: str  # the log it follows
    size: int  # entries the refused checkpoint claims
    caught: str  # rollback, fork, bad-proof, wrong-key, wrong-log, out-of-step


@post("/api/audit/witness/refusals", opt=needs("audit.read"), sync_to_thread=True, status_code=201)
def report_refusal(request: Req, data: JSONBody[WitnessRefusal]) -> dict[str, Any]:
    """A lab's witness refused a checkpoint of this trail (a rollback, a fork): recorded here
    too, so that the alert is raised and escalated at the service, not only on the lab's
    machine."""
    if data.caught not in CAUGHT:
        raise WitnessError(
            f"a witness refuses for one of: {', '.join(CAUGHT)}",
            hint="send what sceau audit witness check reported",
            where="caught",
        )
    for field_name, text in (("witness", data.witness), ("origin", data.origin)):
        if not 0 < len(text) <= 200 or not text.isprintable():
            raise WitnessError(
                f"the {field_name} is 1 to 200 printable characters",
                hint="send what sceau audit witness check reported",
                where=field_name,
            )
    if not 0 <= data.size < 2**63:
        raise WitnessError("a size is a count of entries", where="size")
    service = service_of(request)
    service.log.record(
        WitnessRefused(
            actor=principal_of(request).user.name,
            witness=data.witness,
            origin=data.origin,
            size=data.size,
            caught=data.caught,
        )
    )
    return {"recorded": True}


@get("/api/audit/proof/{seq:int}", opt=needs("audit.read"), sync_to_thread=True)
def inclusion(request: Req, seq: RowNumber) -> Response[str]:
    """The proof that entry ``seq`` is in the trail, against a signed checkpoint. The proof
    holds the entry itself: one about another lab's run is answered as a missing one."""
    return Response(proven_entry(request, seq).proof + "\n", media_type=TEXT)


@dataclass(frozen=True)
class ProvenEntry:
    """An entry the person may see, its leaf hash (hex), and its inclusion proof (the C2SP
    text ``sceau audit check-proof`` reads, byte for byte as ``sceau audit prove`` writes it)."""

    event: LoggedEvent
    leaf_hash: str
    proof: str


def proven_entry(request: Req, seq: int) -> ProvenEntry:
    """Entry ``seq`` with its proof; NotFound alike for a missing one and another lab's."""
    service = service_of(request)
    text = make_proof(service.log, seq)
    (entry,) = list(service.log.entries(after=seq - 1, limit=1))
    event = decode(entry)
    labs = labs_of(service.engine, principal_of(request).user.name)
    if not visible_event(service.engine, event, labs):
        raise NotFound(
            "no entry with this number about your labs", where=f"entry {seq}", elsewhere=True
        )
    return ProvenEntry(event, leaf_hash(entry).hex(), text)


@get("/api/audit/entries", opt=needs("audit.read"), sync_to_thread=True)
def entries(
    request: Req,
    event: FromQuery[str] = "",
    actor: FromQuery[str] = "",
    run: FromQuery[str] = "",
    mandate: FromQuery[str] = "",
    since: FromQuery[str] = "",
    until: FromQuery[str] = "",
    before: FromQuery[int | None] = None,
    limit: FromQuery[int] = 50,
) -> dict[str, Any]:
    """Entries of the trail about your labs or the whole installation, newest first, by event
    name, actor, run, mandate and time (ISO 8601, UTC); ``next`` is the ``before`` of the
    next page, or null on the last."""
    filters = Filters(event, actor, run, mandate, since, until)
    found = search_for(request, filters, before=before, limit=limit)
    return {"entries": [entry_json(e) for e in found.entries], "next": found.next_before}


@post("/api/audit/verify", opt=needs("audit.read"), sync_to_thread=True, status_code=200)
def verify(request: Req) -> dict[str, Any]:
    """Recompute the whole trail; the answer names the first entry or checkpoint tampered with."""
    result = verify_recorded(service_of(request), principal_of(request).user.name)
    return {
        "intact": result.intact,
        "size": result.size,
        "checkpoints": result.checkpoints,
        "problems": [{"position": p.position, "reason": p.reason} for p in result.problems],
        "witnessed": [
            {"witness": w.witness, "number": w.number, "size": w.size, "at": w.at.isoformat()}
            for w in result.witnessed
        ],
    }


def verify_recorded(service: Service, actor: str) -> Verification:
    """Recompute the whole trail for ``actor`` and record the verdict in the trail itself."""
    result = verify_log(service.log)
    first = result.first
    if first is None:
        service.log.record(
            AuditVerified(actor=actor, size=result.size, checkpoints=result.checkpoints)
        )
    else:
        service.log.record(
            AuditVerificationFailed(actor=actor, position=first.position, reason=first.reason)
        )
    return result


ROUTES = [
    latest_checkpoint,
    consistency,
    witness_request,
    keep_cosignature,
    report_refusal,
    inclusion,
    entries,
    verify,
]
