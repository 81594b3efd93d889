"""The runs of my labs as pages: the list, one run with its progress bar (console.js polls
``/api/runs/{id}`` while it is driven), and giving one up, as ``sceau runs abandon`` does."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath

from sceau.accounts import allowed
from sceau.accounts.labs import labs_of
from sceau.errors import SceauError
from sceau.keys import open_provider
from sceau.migrate import runs as repository
from sceau.migrate.abandon import abandon_run
from sceau.migrate.facts import run_details, run_facts
from sceau.migrate.session import MigrationSession
from sceau.migrate.state import MOVES, RunState
from sceau.reports.base import ReportFormat, write_report
from sceau.web.console.form import ConfirmForm
from sceau.web.console.pages import whoami
from sceau.web.console.render import Req, page, render, words_of
from sceau.web.console.run_files import written
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.labs import visible_run, visible_runs


def _labs(request: Req) -> frozenset[str]:
    return labs_of(service_of(request).engine, principal_of(request).user.name)


@get("/runs", opt={**needs("reports.read"), **page()}, sync_to_thread=True)
def runs_page(request: Req) -> Response[str]:
    """My labs' runs, the latest first."""
    service = service_of(request)
    records = visible_runs(service.engine, repository.list_runs(service.engine), _labs(request))
    done = repository.rows_done(service.engine)
    root = service.settings.staging_root
    facts = [run_facts(root, r, done.get(r.run_id, {})) for r in records]
    title = words_of(request)("console.nav.runs")
    return render(request, "runs.html", title=title, runs=facts, **whoami(request))


@get("/runs/{run_id:str}", opt={**needs("reports.read"), **page()}, sync_to_thread=True)
def run_page(request: Req, run_id: FromPath[str]) -> Response[str]:
    """One run of my labs: its state, progress, checkpoints and certificate."""
    return _run(request, run_id)


def _run(request: Req, run_id: str, abandoned: int | None = None) -> Response[str]:
    service = service_of(request)
    record = visible_run(service.engine, run_id, _labs(request))
    facts = run_details(service.engine, service.settings.staging_root, record)
    role = principal_of(request).user.role
    return render(
        request,
        "run.html",
        title=words_of(request)("console.runs.title", run=run_id),
        run=facts,
        progress=progress(facts),
        live=record.state.driving and not facts["interrupted"],
        may_abandon=allowed(role, "runs.abandon") and RunState.ABANDONED in MOVES[record.state],
        abandoned=abandoned,
        files=written(service.settings.home, run_id),
        **whoami(request),
    )


def progress(facts: dict[str, Any]) -> dict[str, int]:
    """The bar: rows loaded out of rows staged (staged counts as done while staging)."""
    staged, loaded = facts["rows"]["staged"], facts["rows"]["loaded"]
    if facts["state"] == RunState.STAGING.value:
        return {"done": 0, "total": max(staged, 1)}
    return {"done": loaded, "total": max(staged, 1)}


@post(
    "/runs/{run_id:str}/abandon",
    opt={**needs("runs.abandon"), **page()},
    sync_to_thread=True,
    status_code=200,
)
def abandon_page(request: Req, run_id: FromPath[str], data: ConfirmForm) -> Response[str]:
    """Give up a stopped, failed or interrupted run of my labs: its staging shredded, a
    certificate signed that says it was abandoned (the box must be ticked)."""
    service = service_of(request)
    visible_run(service.engine, run_id, _labs(request))
    if data.confirm != "yes":
        raise SceauError(
            "the run was not abandoned: the confirmation box was not ticked",
            hint="tick the box to say you know its staging is shredded for good",
            where=f"run {run_id}",
        )
    settings = service.settings
    provider = open_provider(settings)
    try:
        session = MigrationSession(
            settings, service.engine, service.log, provider, principal_of(request).user.name
        )
        certificate = abandon_run(session, run_id)
    finally:
        provider.close()
    folder = settings.home / "reports" / run_id
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    language = words_of(request).language
    for fmt in (ReportFormat.JSON, ReportFormat.HTML):
        write_report(certificate, fmt, folder / f"certificate.{fmt.value}", language)
    repository.note(service.engine, run_id, reports=str(folder))
    return _run(request, run_id, abandoned=int(certificate.body["rows"]["loaded"]))


ROUTES = [runs_page, run_page, abandon_page]
