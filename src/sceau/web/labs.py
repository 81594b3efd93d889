"""Which lab a mandate, a run, an alert or an audit entry belongs to, so a person sees only
their labs' ones.

A mandate's lab is its controller's FINESS, read from the signed text the store keeps; a run's is
its mandate's; an alert's or an audit entry's is the lab of the run or mandate it names, and one
that names none (a failed login, a tampered trail) concerns the whole installation. A run, alert
or entry of another lab is answered exactly as one that does not exist: the answer tells nothing
about other labs.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import Engine, select

from sceau.accounts import AccessDenied
from sceau.accounts.labs import labs_of
from sceau.alerts.model import Alert
from sceau.audit.entry import LoggedEvent
from sceau.audit.search import Scope
from sceau.errors import SceauError
from sceau.mandate.parse import parse_mandate
from sceau.migrate.runs import RunRecord, find_run
from sceau.store.schema import mandates, runs
from sceau.web.service import NotFound


def mandate_labs(engine: Engine) -> dict[str, str | None]:
    """Every stored mandate's SHA-256 → its controller's FINESS (None if it names none)."""
    with engine.connect() as connection:
        rows = connection.execute(select(mandates.c.sha256, mandates.c.body)).all()
    return {row.sha256: _controller(row.sha256, row.body) for row in rows}


@lru_cache(maxsize=4096)
def _controller(sha256: str, body: str) -> str | None:
    """The FINESS in a signed mandate (its hash is in the key: a signed text never changes)."""
    del sha256
    try:
        return parse_mandate(body.encode("utf-8")).controller.finess
    except SceauError:  # a mandate this version cannot read belongs to no lab: nobody sees it
        return None


def visible_runs(
    engine: Engine, records: Iterable[RunRecord], labs: frozenset[str]
) -> list[RunRecord]:
    """The runs among ``records`` whose mandate's lab is one of ``labs``."""
    owners = mandate_labs(engine)
    return [r for r in records if owners.get(r.mandate_sha256) in labs]


def visible_run(engine: Engine, run_id: str, labs: frozenset[str]) -> RunRecord:
    """The run ``run_id`` if it is of one of ``labs``; NotFound otherwise, either way alike."""
    record = find_run(engine, run_id)
    if record is None or not visible_runs(engine, [record], labs):
        raise NotFound(
            "no run with this id among your labs' runs",
            where=f"run {run_id}",
            elsewhere=record is not None,
        )
    return record


def visible_event(engine: Engine, event: LoggedEvent, labs: frozenset[str]) -> bool:
    """Whether an audit event may be shown: it names no run or mandate (it concerns the whole
    installation), or the run, mandate or lab it names is of one of ``labs``."""
    return audit_scope(engine, labs).shows(event)


def audit_scope(engine: Engine, labs: frozenset[str]) -> Scope:
    """The audit entries a member of ``labs`` may see, as a search filters them."""
    mine = frozenset(sha for sha, lab in mandate_labs(engine).items() if lab in labs)
    with engine.connect() as connection:
        rows = connection.execute(select(runs.c.run_id, runs.c.mandate_sha256)).all()
    return Scope(
        mandates=mine,
        runs=frozenset(r.run_id for r in rows if r.mandate_sha256 in mine),
        labs=labs,
    )


def visible_alerts(engine: Engine, found: Iterable[Alert], labs: frozenset[str]) -> list[Alert]:
    """The alerts among ``found`` that name no run nor lab, or name a run or lab (an incident's
    clock) of one of ``labs``."""
    owners = mandate_labs(engine)
    with engine.connect() as connection:
        run_mandates = dict(connection.execute(select(runs.c.run_id, runs.c.mandate_sha256)).all())
    shown = []
    for alert in found:
        run_id, lab = alert.facts.get("run_id"), alert.facts.get("finess")
        if lab is not None:
            if lab in labs:
                shown.append(alert)
        elif run_id is None or owners.get(run_mandates.get(str(run_id), "")) in labs:
            shown.append(alert)
    return shown


def require_own_lab(engine: Engine, user: str, body: bytes) -> None:
    """AccessDenied unless the mandate in ``body`` names, as its controller, one of ``user``'s
    labs: a person hands the service only their own labs' mandates."""
    finess = parse_mandate(body).controller.finess
    if finess is None or finess not in labs_of(engine, user):
        raise AccessDenied(
            "this mandate is not of one of your labs",
            hint="an admin adds you to the lab (sceau labs add), or the controller of your lab "
            "signs a mandate naming its FINESS",
        )
