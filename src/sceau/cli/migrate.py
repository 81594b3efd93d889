"""``sceau migrate MANDATE``: run a signed mandate to its end, or resume a stopped run.

Only a logged-in operator may run one. Every step is printed in plain words; the migration
report and the signed deletion certificate are written as JSON and HTML for the controller.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from sceau.cli._context import Context
from sceau.cli._progress import rows_bar
from sceau.cli._text import markup_safe, shown
from sceau.config import Settings
from sceau.errors import SceauError
from sceau.events import EventSink
from sceau.keys import open_provider
from sceau.migrate.certificate import CertificateError, certificate_sha256, verify_certificate
from sceau.migrate.pipeline import MigrationSession, RunOutcome
from sceau.migrate.pipeline import migrate as run_mandate
from sceau.migrate.report import MigrationReport
from sceau.reports.base import ReportFormat, write_report

_PHASES = {
    "scan": "checking the source",
    "extract": "extracting and protecting",
    "load": "loading the target",
    "verify": "verifying the target",
}


class StepPrinter:
    """Draws a migration: a line per step, a bar per long phase (hidden when not a terminal)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar = rows_bar(console)
        self.task: int | None = None

    def __enter__(self) -> StepPrinter:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def step(self, text: str) -> None:
        self.console.print(f"  {shown(text)}", markup=False, highlight=False)  # names are text

    def phase(self, name: str, total_rows: int | None) -> None:
        self.task = self.bar.add_task(_PHASES.get(name, name), total=total_rows)

    def rows(self, count: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, count)

    def phase_done(self) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
            self.task = None


@click.command()
@click.argument("mandate_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--resume", "run_id", metavar="RUN", help="Resume this stopped run of the mandate.")
@click.option(
    "--reports",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the migration report and the certificate [default: SCEAU_HOME/reports/RUN].",
)
def migrate(mandate_file: Path, run_id: str | None, report_dir: Path | None) -> None:
    """Move exactly what MANDATE_FILE allows, verify it, shred the staging, certify."""
    console = Console()
    context = Context.load()
    user = context.actor("migrate")
    outcome = run_printed(
        console, context.settings, context.engine, context.events, user.name, mandate_file, run_id
    )
    folder = report_dir or context.settings.home / "reports" / outcome.run_id
    written = write_outcome(outcome, folder)
    console.print(_summary(outcome))
    for path in written:
        console.print(f"  wrote {markup_safe(path)}")


def run_printed(
    console: Console,
    settings: Settings,
    engine: Engine,
    events: EventSink,
    actor: str,
    mandate: Path,
    resume: str | None = None,
) -> RunOutcome:
    """Run (or resume) a mandate as ``actor``, each step printed, its key provider closed after."""
    provider = open_provider(settings)
    try:
        with StepPrinter(console) as printer:
            session = MigrationSession(settings, engine, events, provider, actor, progress=printer)
            return run_mandate(session, mandate, resume=resume)
    finally:
        provider.close()


def write_outcome(outcome: RunOutcome, folder: Path) -> list[Path]:
    """The migration report and, once shredded, the certificate, as JSON and HTML."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = []
    report = MigrationReport(outcome)
    for fmt in (ReportFormat.JSON, ReportFormat.HTML):
        written.append(write_report(report, fmt, folder / f"migration.{fmt.value}"))
    if outcome.certificate is not None:
        for fmt in (ReportFormat.JSON, ReportFormat.HTML):
            written.append(
                write_report(outcome.certificate, fmt, folder / f"certificate.{fmt.value}")
            )
    return written


def _summary(outcome: RunOutcome) -> str:
    mandate = outcome.verified.mandate
    refused_columns = len(mandate.source_columns) - len(mandate.moved)
    text = (
        f"[bold]Run {outcome.run_id} {outcome.status}.[/bold] "
        f"{outcome.loaded.rows:,} rows of {len(mandate.moved)} columns loaded into "
        f"{outcome.destination}; {outcome.refused_rows:,} rows outside the mandate's scope and "
        f"{refused_columns} columns it does not allow never left the source."
    )
    if outcome.loaded.rows == 0 and outcome.refused_rows:
        text += (
            "\n[yellow]No row was in the mandate's scope: if that is not what the controller "
            "meant, check its [[rows]] conditions (a value must match exactly).[/yellow]"
        )
    overridden = [rule for rule in mandate.columns if rule.override is not None]
    if overridden:
        text += f"\nThe controller overrode the scan's reading of {len(overridden)} column(s):"
        for rule in overridden:
            text += escape(
                f"\n  {rule.source}: {rule.category}, where the scan read {rule.detected} "
                f"— {rule.reason}"
            )
    return text


@click.command(name="certificate")
@click.argument("certificate_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--fingerprint", help="Also require this signing key (its SHA-256 fingerprint).")
def certificate(certificate_file: Path, fingerprint: str | None) -> None:
    """Check a deletion certificate's signature (anyone may: it holds no patient data)."""
    try:
        data = json.loads(certificate_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise SceauError(
            "not a certificate in JSON",
            hint="give the certificate.json file",
            where=str(certificate_file),
        ) from None
    try:
        verify_certificate(data, fingerprint=fingerprint)
    except CertificateError as error:
        raise CertificateError(
            error.message, hint=error.hint, where=str(certificate_file)
        ) from None
    signer = data["signature"]["fingerprint"]
    click.echo(
        f"The certificate is intact: run {data.get('run_id')} shredded at "
        f"{data.get('shredded_at')} by {data.get('shredded_by')}.\n"
        f"  signing key fingerprint: {signer}\n"
        f"  certificate hash (canonical JSON): {certificate_sha256(data)}"
    )
    if fingerprint is None:
        click.echo(
            "  Intact is not enough: anyone can sign a certificate with a key of their own. "
            "It proves the shredding only if that fingerprint is your processor's certificate "
            "key: ask them for it (`sceau keys certificate-key` prints it on their "
            "installation) and check again with --fingerprint."
        )
    else:
        click.echo("  It was signed by the key you named.")
