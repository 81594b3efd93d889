"""``sceau retention``: shred every run whose staging outlived its mandate's retention."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from rich.console import Console
from rich.text import Text

from sceau.cli._context import Context
from sceau.cli._lang import chosen_words, lang_option
from sceau.cli._text import shown
from sceau.errors import SceauError
from sceau.keys import open_provider
from sceau.migrate.runs import overdue_runs
from sceau.migrate.session import MigrationSession
from sceau.migrate.shred import enforce_retention
from sceau.reports.base import ReportFormat, write_report


@click.group()
def retention() -> None:
    """Staging that outlived its mandate's retention."""


@retention.command()
@lang_option("what is printed")
def show(lang: str | None) -> None:
    """List the runs whose staging is overdue for shredding."""
    context = Context.load()
    context.actor("reports.read")
    t = chosen_words(lang, context.settings)
    overdue = overdue_runs(context.engine, datetime.now(UTC))
    click.echo(
        t("retention.overdue", runs=", ".join(overdue)) if overdue else t("retention.none_overdue")
    )


@retention.command()
@lang_option("what is printed and of the HTML certificates")
def enforce(lang: str | None) -> None:
    """Shred every overdue run's staging and write a signed certificate for each."""
    console = Console()
    context = Context.load()
    user = context.actor("retention.enforce")
    t = chosen_words(lang, context.settings)
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
            write_report(certificate, fmt, folder / f"certificate.{fmt.value}", t.language)
        console.print(Text("  " + t("retention.shredded", run=run_id, folder=shown(folder))))
    for run_id in done.busy:
        console.print(Text("  " + t("retention.busy", run=run_id)))
    if not (done.certificates or done.busy or done.failed):
        console.print(Text(t("retention.nothing")))
    if done.failed:
        for run_id, why in done.failed:
            console.print(Text("  " + t("retention.failed", run=run_id, why=shown(why)), "red"))
        raise SceauError(
            f"{len(done.failed)} overdue run(s) could not be shredded",
            hint="fix the cause shown above and run `sceau retention enforce` again",
        )
