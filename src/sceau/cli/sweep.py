"""``sceau sweep``: look through folders and FTP servers for stray copies of patient data.

An operator sweeps the servers they run, a controller the lab's: the finds name files and
recorded readings, never a person, so the same people who may scan may sweep.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from sceau.cli._context import Context
from sceau.cli._lang import chosen_words, lang_option
from sceau.cli._progress import ProgressPrinter
from sceau.cli._text import markup_safe
from sceau.keys import open_provider
from sceau.reports.base import ReportFormat, render, write_report
from sceau.trace.declared import declared_locations
from sceau.trace.index import TraceIndex
from sceau.trace.key import trace_key
from sceau.trace.sweep import Sweep, SweepReport, record_finds


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--max-mb", type=click.IntRange(min=1), help="Files larger than this are listed, not read."
)
@click.option("--json", "json_path", metavar="FILE", help="Write the JSON report (- for stdout).")
@click.option("--html", "html_path", metavar="FILE", help="Write the HTML report for the DPO.")
@lang_option("the HTML report")
def sweep(
    paths: tuple[str, ...],
    max_mb: int | None,
    json_path: str | None,
    html_path: str | None,
    lang: str | None,
) -> None:
    """Look through folders, archives and FTP servers for stray copies of patient data.

    A file is a stray copy when recorded readings hold its people and it lies outside every
    location a signed mandate declares. An FTP password is read from SCEAU_FTP_PASSWORD.

    \b
    Examples:
      sceau sweep /srv/partage /home
      sceau sweep ftp://lab@ftp.example.org/exports --html sweep.html
    """
    context = Context.load()
    user = context.actor("sweep")
    settings = context.settings
    provider = open_provider(settings)
    try:
        secret = trace_key(provider, context.engine, context.events, actor=user.name)
    finally:
        provider.close()
    sweeper = Sweep(
        index=TraceIndex(context.engine, settings.home / "trace"),
        secret=secret,
        excluded=declared_locations(settings, context.engine),
        max_mb=max_mb or settings.sweep_max_mb,
        password=settings.ftp_password,
    )
    console = Console(stderr=True)
    with ProgressPrinter(console) as progress:
        report = sweeper.run(paths, progress=progress)
    record_finds(context.events, report, actor=user.name)
    if json_path != "-":
        _print(Console(), report)
    words = chosen_words(lang, settings)
    for path, fmt in ((json_path, ReportFormat.JSON), (html_path, ReportFormat.HTML)):
        if path == "-":
            click.echo(render(report, fmt, words.language))
        elif path:
            write_report(report, fmt, Path(path), words.language)
            console.print(f"Wrote the {fmt.value.upper()} report to {markup_safe(path)}")


def _print(console: Console, report: SweepReport) -> None:
    """The finds first (where, how old, which readings), then what was not read and why."""
    data = report.to_dict()
    finds = len(report.finds)
    console.print(
        f"{data['summary']['files']:,} file(s) traced; {finds} stray "
        f"{'copy' if finds == 1 else 'copies'} of patient data found; "
        f"{len(report.skipped)} left out."
    )
    for find in data["finds"]:
        readings = ", ".join(f"#{n}" for n in find["records"])
        console.print(
            f"  STRAY {markup_safe(find['path'])}: {find['size']:,} bytes, last changed "
            f"{find['age_days']} day(s) ago; {find['matched_rows']:,} of its {find['rows']:,} "
            f"rows belong to people of reading(s) {readings}."
        )
    for skipped in data["skipped"]:
        console.print(f"  left out {markup_safe(skipped['location'])}: {skipped['reason']}")
