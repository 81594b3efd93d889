"""``sceau scan``: what personal and health data a file, a folder or a database holds."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table as RichTable

from sceau.cli._context import Context
from sceau.cli._progress import rows_bar
from sceau.cli._text import cell, markup_safe, shown
from sceau.detect.base import Category, Sensitivity
from sceau.detect.report import ScanReport, TableScan
from sceau.detect.scan import DEFAULT_SAMPLE_ROWS, ScanOptions
from sceau.detect.scan import scan as run_scan
from sceau.events import ScanCompleted
from sceau.reports.base import ReportFormat, render, write_report

_COLOURS = {
    Sensitivity.SPECIAL: "bold red",
    Sensitivity.IDENTIFIER: "red",
    Sensitivity.CREDENTIAL: "magenta",
    Sensitivity.PERSONAL: "yellow",
    Sensitivity.NONE: "dim",
}


@click.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--json", "json_path", metavar="FILE", help="Write the JSON report (- for stdout).")
@click.option("--html", "html_path", metavar="FILE", help="Write the HTML report for the DPO.")
@click.option("--sarif", "sarif_path", metavar="FILE", help="Write SARIF 2.1.0 for CI.")
@click.option(
    "--fail-on",
    type=click.Choice([s.value for s in Sensitivity if s is not Sensitivity.NONE]),
    help="Exit with status 1 if data this sensitive or more is found.",
)
@click.option(
    "--sample",
    "sample_rows",
    type=click.IntRange(min=1),
    default=DEFAULT_SAMPLE_ROWS,
    show_default=True,
    help="Rows per table used to classify columns (counts always cover every row).",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    help="Stop counting after this many rows per table (the report says the counts are partial).",
)
@click.option("--kind", help="Reader to use when the file's name does not tell (csv, hl7, ...).")
@click.option("--encoding", help="Text encoding of CSV files, if detection gets it wrong.")
@click.option("--delimiter", help="CSV field separator, if detection gets it wrong.")
@click.option(
    "--header/--no-header", default=None, help="Whether CSV files start with a header row."
)
@click.option("--quiet", "-q", is_flag=True, help="No table, no progress: only errors.")
def scan(
    sources: tuple[str, ...],
    json_path: str | None,
    html_path: str | None,
    sarif_path: str | None,
    fail_on: str | None,
    sample_rows: int,
    max_rows: int | None,
    kind: str | None,
    encoding: str | None,
    delimiter: str | None,
    header: bool | None,
    quiet: bool,
) -> None:
    """Find the personal and health data in SOURCES: files, folders or database URLs.

    \b
    Examples:
      sceau scan export.csv
      sceau scan exports/ --html report.html
      sceau scan postgresql://user@host/lab --fail-on special --sarif scan.sarif
    """
    context = Context.load()
    user = context.actor("scan")  # reading patient data takes a logged-in individual
    to_stdout = json_path == "-"
    console = Console(stderr=True, quiet=quiet)
    reader_options = {
        k: v
        for k, v in {
            "kind": kind,
            "encoding": encoding,
            "delimiter": delimiter,
            "header": header,
        }.items()
        if v is not None
    }
    with ProgressBar(console) as progress:
        report = run_scan(
            sources,
            options=ScanOptions(sample_rows=sample_rows, max_rows=max_rows),
            progress=progress,
            **reader_options,
        )
    # recorded before anything is shown or written: a scan the trail cannot log yields nothing
    context.events.record(
        ScanCompleted(
            actor=user.name,
            sources=len(report.tables),
            rows=sum(t.rows for t in report.tables),
            sensitive_columns=sum(
                1 for t in report.tables for c in t.columns if c.sensitivity is not Sensitivity.NONE
            ),
        )
    )
    if not quiet and not to_stdout:
        print_report(Console(), report)
    for path, fmt in ((json_path, ReportFormat.JSON), (html_path, ReportFormat.HTML)):
        if path == "-":
            click.echo(render(report, fmt))
        elif path:
            write_report(report, fmt, Path(path))
            console.print(f"Wrote the {fmt.value.upper()} report to {markup_safe(path)}")
    if sarif_path:
        write_report(report, ReportFormat.SARIF, Path(sarif_path))
        console.print(f"Wrote the SARIF report to {markup_safe(sarif_path)}")
    if fail_on and _fails(report, Sensitivity(fail_on)):
        console.print(f"[red]Found data at or above '{fail_on}' sensitivity: failing.[/red]")
        sys.exit(1)


def _fails(report: ScanReport, threshold: Sensitivity) -> bool:
    return any(s.rank <= threshold.rank for s in report.sensitivities if s is not Sensitivity.NONE)


class ProgressBar:
    """Draws the scan's progress: one bar per table, by rows."""

    def __init__(self, console: Console) -> None:
        self.bar = rows_bar(console)
        self.task: int | None = None

    def __enter__(self) -> ProgressBar:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def table_started(self, name: str, expected_rows: int | None) -> None:
        label = shown(name)
        label = label if len(label) <= 40 else "…" + label[-39:]
        self.task = self.bar.add_task(markup_safe(label), total=expected_rows)

    def rows_read(self, rows: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, rows)

    def table_finished(self, scan: TableScan) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
            self.task = None


def print_report(console: Console, report: ScanReport) -> None:
    for table in report.tables:
        grid = RichTable(
            title=cell(
                f"{table.source} — {table.rows:,} rows" + ("" if table.complete else " (capped)")
            ),
            title_justify="left",
        )
        for heading in ("column", "category", "sensitivity", "whose", "conf.", "example"):
            grid.add_column(heading, overflow="fold")
        grid.add_column("found in text", overflow="fold")
        for column in table.columns:
            found = {**column.health_categories, **column.embedded}
            details = ", ".join(f"{k} {v:,}" for k, v in found.items() if v)
            colour = _COLOURS[column.sensitivity]
            grid.add_row(
                cell(column.name),
                column.category.value,
                cell(column.sensitivity.value, colour),
                column.subject.value,
                f"{column.confidence:.2f}",
                cell(column.example),
                details,
            )
        console.print(grid)
    console.print(_summary_sentence(report))


def _summary_sentence(report: ScanReport) -> str:
    summary = report.summary()
    columns = [c for t in report.tables for c in t.columns]
    special = sum(1 for c in columns if c.sensitivity is Sensitivity.SPECIAL)
    identifiers = sum(1 for c in columns if c.sensitivity is Sensitivity.IDENTIFIER)
    passwords = sum(1 for c in columns if c.category is Category.PASSWORD)
    parts = [f"{summary['tables']:,} table(s), {summary['rows']:,} rows scanned."]
    if special:
        parts.append(f"[bold red]Health data (GDPR art. 9) in {special} column(s).[/bold red]")
    if identifiers:
        parts.append(f"[red]National identifiers in {identifiers} column(s).[/red]")
    if passwords:
        parts.append(f"[magenta]Passwords stored in clear in {passwords} column(s).[/magenta]")
    if len(parts) == 1:
        parts.append("No special-category data, identifier or credential found.")
    return " ".join(parts)
