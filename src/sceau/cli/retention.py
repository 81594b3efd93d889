"""``sceau retention``: shred every run whose staging outlived its mandate's retention."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.console import Console

from sceau.cli._context import Context
from sceau.cli._text import markup_safe
from sceau.errors import SceauError
from sceau.keys import open_provider
from sceau.migrate.pipeline import MigrationSession
from sceau.migrate.shred import enforce_retention, overdue_runs
from sceau.reports.base import ReportFormat, write_report


@click.group()
def retention() -> None:
    """Staging that outlived its mandate's retention."""


@retention.command()
def show() -> None:
    """List the runs whose staging is overdue for shredding."""
    context = Context.load()
    context.actor("reports.read")
    overdue = overdue_runs(context.engine, datetime.now(UTC))
    click.echo("No staging is overdue." if not overdue else "Overdue: " + ", ".join(overdue))


@retention.command()
def enforce() -> None:
    """Shred every overdue run's staging and write a signed certificate for each."""
    console = Console()
    context = Context.load()
    user = context.actor("retention.enforce")
    provider = open_provider(context.settings)
    try:
        session = MigrationSession(
            context.settings, context.engine, context.events, provider, user.name
        )
        done = enforce_retention(session)
    finally:
        provider.close()
    for certificate in done.certificates:
        run_id = certificate.body["run_id"]
        folder = context.settings.home / "reports" / run_id
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for fmt in (ReportFormat.JSON, ReportFormat.HTML):
            write_report(certificate, fmt, folder / f"certificate.{fmt.value}")
        console.print(f"  shredded run {run_id}; certificate in {markup_safe(folder)}")
    for run_id in done.busy:
        console.print(f"  run {run_id} is overdue but in progress in another process; not touched")
    if not (done.certificates or done.busy or done.failed):
        console.print("No staging was overdue; nothing to shred.")
    if done.failed:
        for run_id, why in done.failed:
            console.print(f"  [red]could not shred run {run_id}[/red]: {markup_safe(why)}")
        raise SceauError(
            f"{len(done.failed)} overdue run(s) could not be shredded",
            hint="fix the cause shown above and run `sceau retention enforce` again",
        )
