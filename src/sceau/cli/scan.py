"""``sceau scan``: what personal and health data a file, a folder or a database holds."""

from __future__ import annotations

import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from sceau.accounts.roles import roles_for
from sceau.cli._context import Context
from sceau.cli._lang import chosen_words, lang_option
from sceau.cli._progress import ProgressPrinter
from sceau.cli._text import cell, markup_safe, shown
from sceau.cli.plugins import warn_broken
from sceau.detect.base import DETECTORS, Category, ColumnFinding, Sensitivity
from sceau.detect.report import ScanReport
from sceau.detect.scan import DEFAULT_SAMPLE_ROWS, ScanOptions
from sceau.detect.scan import scan as run_scan
from sceau.errors import SceauError
from sceau.events import ScanCompleted
from sceau.keys.base import KeyProviderError
from sceau.reports.base import ReportFormat, render, write_report
from sceau.reports.i18n import Translator, translator
from sceau.sources.base import SOURCES
from sceau.trace.record import Fingerprinting, start_fingerprinting

if TYPE_CHECKING:
    from sceau.cli._remote import Remote

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
@click.option(
    "--lab",
    metavar="FINESS",
    help="With --server: hand the report to the service for this lab (its FINESS).",
)
@lang_option("the table and the HTML report")
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
    lab: str | None,
    lang: str | None,
    quiet: bool,
) -> None:
    """Find the personal and health data in SOURCES: files, folders or database URLs.

    \b
    Examples:
      sceau scan export.csv
      sceau scan exports/ --html report.html
      sceau scan postgresql://user@host/lab --fail-on special --sarif scan.sarif
      sceau --server https://sceau.lab.example scan postgresql://old-lis/lab --lab 750000001
    """
    context = Context.load()
    through_service = bool(context.settings.server)
    if not through_service and lab is not None:
        raise SceauError(
            "--lab names the lab a report is handed to, and no service is named",
            hint="add --server URL (or the server setting), or leave --lab out",
            where="--lab",
        )
    # reading patient data takes an individual; the service says who may, before any read
    user_name = _may_scan_for(context, lab) if through_service else context.actor("scan").name
    to_stdout = json_path == "-"
    console = Console(stderr=True, quiet=quiet)
    reader_options: dict[str, object] = {
        k: v
        for k, v in {
            "encoding": encoding,
            "delimiter": delimiter,
            "header": header,
        }.items()
        if v is not None
    }
    warn_broken(DETECTORS, SOURCES)
    recorder, not_recorded = (None, None) if through_service else _recorder(context, user_name)
    with ProgressPrinter(console) as progress:
        report = run_scan(
            sources,
            options=ScanOptions(sample_rows=sample_rows, max_rows=max_rows, read_along=recorder),
            progress=progress,
            kind=kind,
            **reader_options,
        )
    # recorded before anything is shown or written: a scan the trail cannot log yields nothing
    if through_service:
        kept = _hand_in(context, lab, report)
        console.print(
            f"The service keeps the report as scan {kept['scan_id']}: "
            f"{markup_safe(context.settings.server.rstrip('/'))}{kept['page']}"
        )
    else:
        _record_scan(context, user_name, report)
        _say_recorded(console, recorder, not_recorded)
    words = chosen_words(lang, context.settings)
    if not quiet and not to_stdout:
        print_report(Console(), report, words)
    for path, fmt in ((json_path, ReportFormat.JSON), (html_path, ReportFormat.HTML)):
        if path == "-":
            click.echo(render(report, fmt, words.language))
        elif path:
            write_report(report, fmt, Path(path), words.language)
            console.print(f"Wrote the {fmt.value.upper()} report to {markup_safe(path)}")
    if sarif_path:
        write_report(report, ReportFormat.SARIF, Path(sarif_path))
        console.print(f"Wrote the SARIF report to {markup_safe(sarif_path)}")
    if fail_on and _fails(report, Sensitivity(fail_on)):
        console.print(f"[red]Found data at or above '{fail_on}' sensitivity: failing.[/red]")
        sys.exit(1)


def _record_scan(context: Context, user: str, report: ScanReport) -> None:
    context.events.record(
        ScanCompleted(
            actor=user,
            sources=len(report.tables),
            rows=sum(t.rows for t in report.tables),
            sensitive_columns=sum(
                1 for t in report.tables for c in t.columns if c.sensitivity is not Sensitivity.NONE
            ),
        )
    )


def _say_recorded(
    console: Console, recorder: Fingerprinting | None, not_recorded: str | None
) -> None:
    """Whether the scanned tables went into the trace index, said after the scan."""
    if recorder is not None and recorder.records:
        console.print(
            f"Recorded {len(recorder.records)} table(s) in the trace index "
            "(keyed fingerprints of who is in them, never a value)."
        )
    elif not_recorded is not None:
        console.print(f"[yellow]{markup_safe(not_recorded)}[/yellow]")


def _recorder(context: Context, user: str) -> tuple[Fingerprinting | None, str | None]:
    """The fingerprinting of the scanned tables into the trace index, so that a leak of them
    can be traced later; else why not, said once the scan is done (the key provider cannot give
    the trace key)."""
    ref = f"scan-{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    try:
        recorder = start_fingerprinting(
            context.settings, context.engine, context.events, kind="scan", ref=ref, by=user
        )
    except KeyProviderError as error:
        return None, (
            "This scan is not recorded in the trace index: the key provider cannot give the "
            f"trace key ({error.message})."
        )
    return recorder, None


def _service(context: Context) -> Remote:
    remote = context.remote()
    if remote is None:
        raise SceauError("no service is named", hint="add --server URL", where="--server")
    return remote


def _hand_in(context: Context, lab: str | None, report: ScanReport) -> dict[str, Any]:
    """Hand the report to the service for ``lab``; its answer (the scan's number and page)."""
    with _service(context) as remote:
        kept: dict[str, Any] = remote.json(
            "POST", "/api/scans", json={"finess": lab, "report": report.to_dict()}
        )
    return kept


def _may_scan_for(context: Context, lab: str | None) -> str:
    """The person the service knows by this client's token, if they may scan ``lab``'s data;
    asked before a single row is read."""
    if lab is None:
        raise SceauError(
            "a scan through the service is handed in for one lab",
            hint="add --lab FINESS: the lab whose data this is",
            where="--lab",
        )
    with _service(context) as remote:
        me = remote.json("GET", "/auth/me")
    if me["role"] not in {r.value for r in roles_for("scan")} or lab not in me["labs"]:
        raise SceauError(
            f"the service does not let {me['user']} hand in a scan for this lab",
            hint="a controller or operator who is a member of the lab scans (sceau labs add)",
            where="--lab",
        )
    return str(me["user"])


def _fails(report: ScanReport, threshold: Sensitivity) -> bool:
    return any(s.rank <= threshold.rank for s in report.sensitivities if s is not Sensitivity.NONE)


def print_report(console: Console, report: ScanReport, t: Translator | None = None) -> None:
    """Each table's columns in words, then what was found and what to do, in ``t``'s language."""
    t = t or translator()
    for table in report.tables:
        facts = [t("unit.row", n=table.rows) + ("" if table.complete else " (max)")]
        if table.patients is not None:
            facts.append(t("unit.patient", n=table.patients))
        if table.labs:
            facts.append(t("unit.lab", n=table.labs))
        grid = RichTable(title=cell(f"{table.source} — {', '.join(facts)}"), title_justify="left")
        for key in ("column", "category", "sensitivity", "subject", "confidence", "shape"):
            grid.add_column(t(f"scan.{key}"), overflow="fold")
        grid.add_column(t("scan.found_in_text"), overflow="fold")
        for column in table.columns:
            grid.add_row(
                cell(column.name),
                t(f"category.{column.category}.name"),
                cell(t(f"sensitivity.{column.sensitivity}.label"), _COLOURS[column.sensitivity]),
                t(f"subject.{column.subject}"),
                f"{column.confidence:.2f}",
                cell(_shape(column, t)),
                _found_in_text(column, t),
            )
        console.print(grid)
    for line in summary_lines(report, t):
        console.print(line)
    if report.skipped:
        console.print(Text(t("scan.not_read_list"), "bold"))
        for entry in report.skipped:
            console.print(Text(f"  {shown(entry.location)} — {shown(entry.reason)}"))


def _shape(column: ColumnFinding, t: Translator) -> str:
    if column.category in (Category.PASSWORD, Category.PASSWORD_HASH):
        return t("scan.withheld")
    if column.category in (Category.FREE_TEXT, Category.HEALTH_TEXT):
        return t("scan.free_text")
    return column.example


def _found_in_text(column: ColumnFinding, t: Translator) -> str:
    health = [(t(f"health.{k}.name"), n) for k, n in column.health_categories.items() if n]
    inside = [(t(f"category.{k}.name"), n) for k, n in column.embedded.items() if n]
    return ", ".join(f"{name} {t.number(n)}" for name, n in health + inside)


def summary_lines(report: ScanReport, t: Translator) -> list[Text]:
    """What was found, in plain sentences, then what to do about each kind of data."""
    summary = report.summary()
    columns = [c for table in report.tables for c in table.columns]
    scanned = t(
        "scan.rows_scanned", tables=_tables(report, t), rows=t("unit.row", n=summary["rows"])
    )
    lines = [Text(scanned)]
    people = summary["patients"]
    if people is not None:
        basis = t("scan.basis_nir") if people["told_apart_by"] == "NIR" else t("scan.basis_name")
        who = t("scan.patients", patients=t("unit.patient", n=people["distinct"]), basis=basis)
    else:
        who = t("scan.patients_unknown")
    if summary["labs"]:
        who += " " + t("scan.labs", labs=t("unit.lab", n=summary["labs"]))
    lines.append(Text(who))
    counted = [
        ("scan.special", "bold red", sum(c.sensitivity is Sensitivity.SPECIAL for c in columns)),
        ("scan.identifiers", "red", sum(c.sensitivity is Sensitivity.IDENTIFIER for c in columns)),
        ("scan.passwords", "magenta", sum(c.category is Category.PASSWORD for c in columns)),
        ("scan.embedded", "yellow", sum(bool(c.embedded) for c in columns)),
    ]
    found = [Text(t(key, n=n), style) for key, style, n in counted if n]
    lines.extend(found or [Text(t("scan.nothing_sensitive"))])
    if report.skipped:
        unread = _not_read(report, t)
        lines.append(Text(t("scan.not_read_summary", what=unread), "yellow"))
    advice = _advice(columns, t)
    if advice:
        lines.append(Text(t("scan.todo"), "bold"))
        lines.extend(advice)
    return lines


def _not_read(report: ScanReport, t: Translator) -> str:
    """``2 files``, ``1 database table``, or both: what the skipped list holds."""
    tables = sum(1 for entry in report.skipped if "://" in entry.location)
    files = len(report.skipped) - tables
    parts = [t("unit.file", n=files)] if files else []
    parts += [t("unit.table", n=tables)] if tables else []
    return f" {t('scan.and')} ".join(parts)


def _tables(report: ScanReport, t: Translator) -> str:
    databases = sum("://" in table.source for table in report.tables)
    files = len(report.tables) - databases
    parts = [t("unit.file", n=files)] if files or not databases else []
    both = [*parts, *([t("unit.table", n=databases)] if databases else [])]
    return f" {t('scan.and')} ".join(both)


def _advice(columns: list[ColumnFinding], t: Translator) -> list[Text]:
    """One line per kind of special, identifying or credential data found, most sensitive
    first; the HTML report says what to do about every other kind."""
    seen: dict[Category, Sensitivity] = {}
    for column in columns:
        if column.sensitivity.rank <= Sensitivity.CREDENTIAL.rank:
            earlier = seen.get(column.category, column.sensitivity)
            seen[column.category] = min(earlier, column.sensitivity, key=lambda s: s.rank)
    ordered = sorted(seen, key=lambda category: (seen[category].rank, category.value))
    lines = [
        Text.assemble(
            "  • ",
            (t(f"category.{c}.name"), _COLOURS[seen[c]]),
            t("scan.advice_colon") + t(f"category.{c}.advice"),
        )
        for c in ordered
    ]
    if any(column.embedded for column in columns):
        lines.append(Text("  • " + t("scan.todo_embedded")))
    if any(column.sensitivity is Sensitivity.PERSONAL for column in columns):
        lines.append(Text("  • " + t("scan.todo_personal")))
    return lines
