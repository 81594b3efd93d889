"""``sceau runs list|show|abandon``: where each migration run stands, and giving one up.

A run found staging, loading or verifying with no process driving it was cut off (killed, or
stopped on an error): it is shown as *interrupted*, and like a *stopped* run it can be resumed
with ``sceau migrate MANDATE --resume RUN`` or abandoned. Abandoning shreds the run's staging
and signs a certificate that says the run was abandoned, not completed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from sceau.cli._context import Context
from sceau.cli._lang import chosen_words, lang_option
from sceau.cli._text import shown
from sceau.errors import SceauError
from sceau.keys import open_provider
from sceau.migrate import runs as repository
from sceau.migrate.abandon import abandon_run
from sceau.migrate.facts import PHASES, run_details, run_facts
from sceau.migrate.runs import RunRecord
from sceau.migrate.session import MigrationSession
from sceau.reports.base import ReportFormat, write_report

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")


@click.group()
def runs() -> None:
    """Migration runs: where each stands, and giving up one that will not be finished."""


@runs.command(name="list")
@_json_option
def list_runs(as_json: bool) -> None:
    """Every run, the latest first: its mandate, state, start and rows done."""
    context = Context.load()
    remote = context.remote()
    if remote is not None:  # the service answers for the labs the person works for
        with remote:
            facts = remote.json("GET", "/api/runs")["runs"]
    else:
        context.actor("reports.read")
        records = repository.list_runs(context.engine)
        done = repository.rows_done(context.engine)
        facts = [_facts(context, record, done.get(record.run_id, {})) for record in records]
    if as_json:
        click.echo(json.dumps({"runs": facts}, indent=2, ensure_ascii=False))
        return
    if not facts:
        click.echo("No migration run yet.")
        return
    for fact in facts:  # one line each: readable on a terminal, in a pipe and in a log
        rows = fact["rows"]
        click.echo(
            shown(
                f"{fact['run_id']}  {_state_words(fact)}  started {_when(fact['started_at'])} UTC"
                f"  mandate {fact['mandate_id']}  rows staged {rows['staged']:,}, "
                f"loaded {rows['loaded']:,}",
                limit=2_000,
            )
        )


@runs.command()
@click.argument("run_id", metavar="RUN")
@_json_option
def show(run_id: str, as_json: bool) -> None:
    """One run in detail: its progress phase by phase, its checkpoints, its certificate."""
    context = Context.load()
    remote = context.remote()
    if remote is not None:
        with remote:
            fact = remote.json("GET", f"/api/runs/{quote(run_id, safe='')}")
    else:
        context.actor("reports.read")
        record = _found(context, run_id)
        fact = run_details(context.engine, context.settings.staging_root, record)
    if as_json:
        click.echo(json.dumps(fact, indent=2, ensure_ascii=False))
        return
    for line in _details(fact):
        click.echo(shown(line, limit=2_000))


@runs.command()
@click.argument("run_id", metavar="RUN")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--reports",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the certificate [default: SCEAU_HOME/reports/RUN].",
)
@lang_option("the HTML certificate")
@_json_option
def abandon(
    run_id: str, yes: bool, report_dir: Path | None, lang: str | None, as_json: bool
) -> None:
    """Give up a stopped, failed or interrupted run: shred its staging, certify it abandoned.

    Rows the run already loaded stay in the target: remove them there if they must not stay.
    A completed run cannot be abandoned.
    """
    context = Context.load()
    user = context.actor("runs.abandon")
    record = _found(context, run_id)
    if not yes:
        click.confirm(
            f"Abandon run {shown(run_id)} ({record.state})? Its staging is shredded for good; "
            "it can no longer be resumed.",
            abort=True,
        )
    provider = open_provider(context.settings)
    try:
        session = MigrationSession(
            context.settings, context.engine, context.events, provider, user.name
        )
        certificate = abandon_run(session, run_id)
    finally:
        provider.close()
    folder = report_dir or context.settings.home / "reports" / run_id
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    language = chosen_words(lang, context.settings).language
    written = [
        write_report(certificate, fmt, folder / f"certificate.{fmt.value}", language)
        for fmt in (ReportFormat.JSON, ReportFormat.HTML)
    ]
    repository.note(context.engine, run_id, reports=str(folder))
    loaded = certificate.body["rows"]["loaded"]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "run_id": run_id,
                    "state": "abandoned",
                    "rows_left_in_target": loaded,
                    "certificate": str(written[0]),
                    "certificate_sha256": certificate.sha256,
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"Run {shown(run_id)} abandoned: its key was destroyed at {shown(record.key_provider)} "
        "and its staging deleted; it can no longer be resumed."
    )
    if loaded:
        click.echo(
            f"  {loaded:,} rows it had loaded stay in {shown(record.destination)}: remove them "
            "there if they must not stay."
        )
    for path in written:
        click.echo(f"  Wrote {shown(path)}")


def _found(context: Context, run_id: str) -> RunRecord:
    record = repository.find_run(context.engine, run_id)
    if record is None:
        raise SceauError(
            "no run with this id", hint="`sceau runs list` shows every run", where=run_id
        )
    return record


def _facts(context: Context, record: RunRecord, rows: dict[str, int]) -> dict[str, Any]:
    """A run as ``list`` and ``show`` print it (and as ``--json`` gives it)."""
    return run_facts(context.settings.staging_root, record, rows)


def _state_words(fact: dict[str, Any]) -> str:
    if fact["interrupted"]:
        return f"interrupted while {fact['state']}"
    if fact["stopped_while"] and fact["state"] == "stopped":
        return f"stopped while {fact['stopped_while']}"
    return str(fact["state"])


def _details(fact: dict[str, Any]) -> list[str]:
    run_id = fact["run_id"]
    lines = [
        f"Run {run_id} of mandate {fact['mandate_id']} (sha256 {fact['mandate_sha256'][:16]}…)",
        f"  state: {_state_words(fact)}",
        f"  started {_when(fact['started_at'])} UTC by {fact['operator']}",
        f"  from {fact['source']}",
        f"  to   {fact['destination']}",
    ]
    if fact["finished_at"]:
        lines.append(f"  verified {_when(fact['finished_at'])} UTC")
    if fact["shredded_at"]:
        lines.append(
            f"  staging shredded {_when(fact['shredded_at'])} UTC by {fact['shredded_by']}"
        )
    else:
        lines.append(f"  staging kept until {_when(fact['retention_until'])} UTC at the latest")
    for phase in PHASES:
        batches = [c for c in fact["checkpoints"] if c["phase"] == phase]
        refused = sum(c["refused_rows"] for c in batches)
        line = f"  {phase}: {fact['rows'][phase]:,} rows in {len(batches)} batches"
        if refused:
            line += f" ({refused:,} rows outside the mandate's scope refused)"
        if batches:
            line += (
                f", last checkpoint batch {batches[-1]['batch']} at {_when(batches[-1]['at'])} UTC"
            )
        lines.append(line)
    certificate = fact["certificate"]
    if certificate:
        lines.append(f"  certificate ({certificate['reason']}), sha256 {certificate['sha256']}")
        if certificate["path"]:
            lines.append(f"    {certificate['path']}")
    if fact["interrupted"] or fact["state"] == "stopped":
        lines.append(
            f"  resume it with `sceau migrate MANDATE --resume {run_id}`, or give it up with "
            f"`sceau runs abandon {run_id}`"
        )
    return lines


def _when(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else ""
