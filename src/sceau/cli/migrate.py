"""``sceau migrate MANDATE``: run a signed mandate to its end, or resume a stopped run.

Only a logged-in operator may run one. Every step is printed in plain words; the migration
report and the signed deletion certificate are written as JSON and HTML for the controller, the
HTML and the closing summary in the language ``--lang`` chooses. SIGTERM or a first Ctrl-C stops
the run after the current batch's checkpoint, resumable; the exit status is then
:data:`EXIT_STOPPED`.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.text import Text
from sqlalchemy import Engine

from sceau.cli._context import Context
from sceau.cli._lang import chosen_words, lang_option
from sceau.cli._progress import ProgressPrinter
from sceau.cli._text import shown
from sceau.config import Settings
from sceau.errors import SceauError
from sceau.keys import open_provider
from sceau.mandate.signature import read_mandate, signature_path
from sceau.migrate.certificate import CertificateError, certificate_sha256, verify_certificate
from sceau.migrate.errors import StoppedOnRequest
from sceau.migrate.outcome import RunOutcome
from sceau.migrate.pipeline import migrate as run_mandate
from sceau.migrate.report import write_outcome
from sceau.migrate.runs import note
from sceau.migrate.session import MigrationSession, StopRequest, Trail
from sceau.reports.i18n import Translator

if TYPE_CHECKING:
    from sceau.cli._remote import Remote


@click.command()
@click.argument("mandate_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--resume", "run_id", metavar="RUN", help="Resume this stopped run of the mandate.")
@click.option(
    "--reports",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the migration report and the certificate [default: SCEAU_HOME/reports/RUN].",
)
@lang_option("the summary, the HTML report and the HTML certificate")
def migrate(
    mandate_file: Path, run_id: str | None, report_dir: Path | None, lang: str | None
) -> None:
    """Move exactly what MANDATE_FILE allows, verify it, shred the staging, certify."""
    console = Console()
    context = Context.load()
    remote = context.remote()
    if remote is not None:
        with remote:
            _migrate_at_service(console, remote, mandate_file, run_id)
        return
    user = context.actor("migrate")
    t = chosen_words(lang, context.settings)
    try:
        outcome = run_printed(
            console,
            context.settings,
            context.engine,
            context.events,
            user.name,
            mandate_file,
            run_id,
            words=t,
        )
    except StoppedOnRequest as stopped:
        click.secho(shown(stopped.message, limit=2_000), fg="yellow", err=True)
        sys.exit(EXIT_STOPPED)
    folder = report_dir or context.settings.home / "reports" / outcome.run_id
    written = write_outcome(outcome, folder, t)
    note(context.engine, outcome.run_id, reports=str(folder))  # where `sceau runs show` points
    for line in summary_lines(outcome, t):
        console.print(line)
    for path in written:
        console.print(Text("  " + t("migration.wrote", path=shown(path))))


def run_printed(
    console: Console,
    settings: Settings,
    engine: Engine,
    events: Trail,
    actor: str,
    mandate: Path,
    resume: str | None = None,
    *,
    words: Translator | None = None,
) -> RunOutcome:
    """Run (or resume) a mandate as ``actor``, each step printed, its key provider closed after;
    SIGTERM or Ctrl-C asks it to stop cleanly (StoppedOnRequest)."""
    provider = open_provider(settings)
    stop = StopRequest()
    try:
        with ProgressPrinter(console, words) as printer, _stopping_on_signals(stop, printer):
            session = MigrationSession(
                settings, engine, events, provider, actor, progress=printer, stop=stop
            )
            return run_mandate(session, mandate, resume=resume)
    finally:
        provider.close()


EXIT_STOPPED = 75  # stopped on request, resumable: "try again later" (EX_TEMPFAIL)
_STOPPING = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _stopping_on_signals(stop: StopRequest, printer: ProgressPrinter) -> Iterator[None]:
    """For the block, SIGTERM or a first Ctrl-C asks the run to stop after the current batch's
    checkpoint; a second one ends the process at once (the run stays resumable all the same)."""
    if threading.current_thread() is not threading.main_thread():  # signals reach it alone
        yield
        return

    def ask(_signum: int, _frame: FrameType | None) -> None:
        stop.request()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        printer.step("Stopping after the current batch's checkpoint (again to stop at once)…")

    previous = {number: signal.signal(number, ask) for number in _STOPPING}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def summary_lines(outcome: RunOutcome, t: Translator) -> list[Text]:
    """What the run did, in ``t``'s language; names from the mandate are shown as plain text."""
    mandate = outcome.verified.mandate
    refused_columns = len(mandate.source_columns) - len(mandate.moved)
    state_key = f"migration.state.{outcome.status}"
    state = t(state_key) if t.has(state_key) else outcome.status
    loaded = t(
        "migration.loaded",
        rows=t("unit.row", n=outcome.loaded.rows),
        columns=t("unit.column", n=len(mandate.moved)),
        destination=shown(outcome.destination),
        refused_rows=t("unit.row", n=outcome.refused_rows),
        refused_columns=t("unit.column", n=refused_columns),
    )
    lines = [
        Text.assemble((t("migration.ended", run=outcome.run_id, state=state), "bold"), " ", loaded)
    ]
    if outcome.loaded.rows == 0 and outcome.refused_rows:
        lines.append(Text(t("migration.nothing_in_scope"), "yellow"))
    overridden = [rule for rule in mandate.columns if rule.override is not None]
    if overridden:
        lines.append(Text(t("migration.overrode", n=len(overridden))))
        for rule in overridden:
            line = t(
                "migration.overrode_line",
                source=shown(rule.source),
                category=shown(rule.category),
                detected=shown(rule.detected),
                reason=shown(rule.reason, limit=2_000),
            )
            lines.append(Text("  " + line))
    return lines


@click.command(name="certificate")
@click.argument("certificate_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--fingerprint", help="Also require this signing key (its SHA-256 fingerprint).")
@lang_option("what is printed")
def certificate(certificate_file: Path, fingerprint: str | None, lang: str | None) -> None:
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
    t = chosen_words(lang)
    # intact, but still text from a file someone handed over: shown, never interpreted
    run, when, who = (shown(data.get(key)) for key in ("run_id", "shredded_at", "shredded_by"))
    click.echo(t("certificate.intact", run=run, when=when, who=who))
    click.echo("  " + t("certificate.signer", fingerprint=shown(data["signature"]["fingerprint"])))
    click.echo("  " + t("certificate.hash", sha256=certificate_sha256(data)))
    click.echo(
        "  " + t("certificate.not_enough" if fingerprint is None else "certificate.named_key")
    )


_FINAL = frozenset({"shredded", "failed", "stopped", "abandoned"})


def _migrate_at_service(
    console: Console, remote: Remote, mandate_file: Path, run_id: str | None
) -> None:
    """Hand the signed mandate to the service, which runs it; follow the run until it ends.
    The reports and the certificate are written at the service (`sceau runs show RUN`)."""
    mandate = read_mandate(mandate_file)
    signature = signature_path(mandate_file)
    try:
        signed = signature.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise SceauError(
            "the mandate's signature cannot be read",
            hint="the controller's `sceau mandate sign` writes it beside the mandate",
            where=str(signature),
        ) from None
    asked = {"mandate": mandate.decode("utf-8"), "signature": signed, "resume": run_id}
    started = remote.json("POST", "/api/runs", json=asked)
    run = str(started["run_id"])
    console.print(f"The service started run {run}; following it (Ctrl-C stops following only).")
    shown_state = ""
    while True:
        facts = remote.json("GET", f"/api/runs/{run}")
        state = str(facts["state"])
        rows = facts.get("rows", {})
        if state != shown_state:
            console.print(f"  {state}")
            shown_state = state
        if state in _FINAL or facts.get("interrupted"):
            break
        time.sleep(1.0)
    done = ", ".join(f"{phase} {count:,}" for phase, count in rows.items())
    console.print(f"Run {run} {state}: rows {done}.")
    console.print(f"Its reports and certificate are kept at the service: sceau runs show {run}")
    if state != "shredded":
        sys.exit(1)
