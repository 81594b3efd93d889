"""``sceau trace``: a file of patients turned up; which recorded scans and runs held them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console

from sceau.cli._context import Context
from sceau.cli._lang import chosen_words, lang_option
from sceau.cli._progress import ProgressPrinter
from sceau.cli._text import markup_safe
from sceau.events import LeakTraced
from sceau.keys import open_provider
from sceau.reports.base import ReportFormat, render, write_report
from sceau.trace.index import TraceIndex
from sceau.trace.key import trace_key
from sceau.trace.leak import TraceReport, trace_leak


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "json_path", metavar="FILE", help="Write the JSON report (- for stdout).")
@click.option("--html", "html_path", metavar="FILE", help="Write the HTML report for the DPO.")
@lang_option("the HTML report")
def trace(
    paths: tuple[str, ...], json_path: str | None, html_path: str | None, lang: str | None
) -> None:
    """Trace a file that turned up (or a folder, an archive) to the scans and runs it came from.

    \b
    Examples:
      sceau trace leak.csv
      sceau trace forum-dump.zip --html trace.html
    """
    context = Context.load()
    user = context.actor("trace")  # the leaked file is patient data: an individual reads it
    console = Console(stderr=True)
    provider = open_provider(context.settings)
    try:
        secret = trace_key(provider, context.engine, context.events, actor=user.name)
    finally:
        provider.close()
    index = TraceIndex(context.engine, context.settings.home / "trace")
    with ProgressPrinter(console) as progress:
        report = trace_leak(paths, index, secret, progress=progress)
    summary = report.to_dict()["summary"]
    context.events.record(
        LeakTraced(
            actor=user.name,
            tables=summary["tables"],
            rows=summary["rows"],
            matched_rows=summary["matched_rows"],
            records=tuple(r.record_id for r in report.sources),
        )
    )
    if json_path != "-":
        print_trace(Console(), report)
    words = chosen_words(lang, context.settings)
    for path, fmt in ((json_path, ReportFormat.JSON), (html_path, ReportFormat.HTML)):
        if path == "-":
            click.echo(render(report, fmt, words.language))
        elif path:
            write_report(report, fmt, Path(path), words.language)
            console.print(f"Wrote the {fmt.value.upper()} report to {markup_safe(path)}")


def print_trace(console: Console, report: TraceReport) -> None:
    """The answer first (which readings, how much of the file), then what is left unexplained."""
    data = report.to_dict()
    summary = data["summary"]
    if not summary["rows"]:
        console.print("No row of patients was read in these files.")
        return
    console.print(
        f"{summary['rows']:,} rows read in {summary['tables']} table(s); "
        f"{summary['matched_rows']:,} belong to people of {summary['sources']} recorded "
        f"reading(s), {summary['unmatched_rows']:,} to no one recorded "
        f"(index of {summary['records_in_index']:,} readings)."
    )
    records = {r["record"]: r for r in data["sources"]}
    also = {r["record"]: r for r in data["also_held_by"]}
    for table in data["tables"]:
        console.print(f"\n{markup_safe(table['table'])}: {table['rows']:,} rows")
        if not table["sources"]:
            which = ", ".join(table["identifiers"]) or "no identifier of a patient in it"
            console.print(f"  No recorded reading holds its people ({which}).")
        for source in table["sources"]:
            record = records[source["record"]]
            console.print(
                f"  Reading #{record['record']} ({record['kind']} {markup_safe(record['ref'])}), "
                f"read from {markup_safe(record['source'])} on {record['recorded_at']} by "
                f"{markup_safe(record['recorded_by'])}: holds {source['rows']:,} of these rows "
                f"({source['share']:.0%}), {source['explains']:,} of them explained by no "
                "reading named before it."
            )
        for source in table["also_held_by"]:
            record = also[source["record"]]
            console.print(
                f"  Also held by reading #{record['record']} ({record['kind']} "
                f"{markup_safe(record['ref'])}), read from {markup_safe(record['source'])} on "
                f"{record['recorded_at']} by {markup_safe(record['recorded_by'])}: "
                f"{source['rows']:,} of these rows ({source['share']:.0%}), all among those above."
            )
    _print_impact(console, data["impact"])


_FIGURES = {
    "national_identifier": "with a national identifier (NIR, INS)",
    "credentials": "with credentials (login, password, password hash)",
    "contact_details": "with contact details (address, phone, e-mail)",
    "minors": "minors (under 18 on {as_of})",
}
_TOLD_BY = {"reading": "a recorded reading", "file": "the file's FINESS column"}


def _print_impact(console: Console, impact: dict[str, Any]) -> None:
    """Whom the file concerns: the figures a notification takes, per controller."""
    console.print(
        f"\nWhom it concerns: {impact['people']:,} distinct people "
        f"(told apart by {', '.join(impact['bases'])})."
    )
    if impact["people_by_row"]:
        console.print(
            f"  {impact['people_by_row']:,} of them are rows that name nobody, counted one "
            "person each (an upper bound)."
        )
    for figure, words in _FIGURES.items():
        console.print(f"  {impact['categories'][figure]:,} {words.format(**impact)}")
    for name, n in impact["health"].items():
        console.print(f"  {n:,} with health data: {name}")
    for lab in impact["controllers"]:
        who = f"FINESS {markup_safe(lab['finess'])}" if lab["finess"] else "Controller unknown"
        told = " and ".join(_TOLD_BY[t] for t in lab["told_by"])
        told = f" (told by {told})" if told else ""
        console.print(f"  {who}{told}: {lab['people']:,} people")
    if impact["people_in_several_controllers"]:
        console.print(
            f"  {impact['people_in_several_controllers']:,} people are held by more than one "
            "controller and counted under each."
        )
    span = impact["span"]
    if span["first"]:
        console.print(f"  Records dated from {span['first']} to {span['last']}.")
    for what in ("mandates", "runs", "recipients"):
        if impact[what]:
            console.print(f"  {what.capitalize()}: {', '.join(map(markup_safe, impact[what]))}")
