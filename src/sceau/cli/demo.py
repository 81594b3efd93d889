"""``sceau demo``: the story so far, on synthetic labs, in plain words. It asks no questions."""

from __future__ import annotations

import shutil
from pathlib import Path

import click
from rich.console import Console

from sceau.cli.scan import ProgressBar, print_report
from sceau.detect.scan import scan
from sceau.errors import SceauError
from sceau.reports.base import ReportFormat, write_report
from sceau.synth import generate
from sceau.synth.writers import write_csv, write_fhir, write_hl7

MARKER = ".sceau-demo"  # a folder the demo made, and may therefore empty again
LABS = ("lab-a", "lab-b", "lab-c", "lab-d")


@click.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the synthetic exports and the reports (remade at each run).",
)
@click.option(
    "--patients",
    type=click.IntRange(min=10),
    default=20_000,
    show_default=True,
    help="Patients per synthetic lab.",
)
def demo(out: Path, patients: int) -> None:
    """Make four labs' synthetic exports, scan them as a DPO would, and write the reports."""
    console = Console()
    _prepare(out)
    exports = out / "exports"

    console.rule("[bold]1. Four labs export their patients")
    console.print(
        "Each lab's software writes its own dialect: separators, encodings, column names, "
        "one without a header row; lab A also sends HL7 v2 messages, lab B FHIR resources. "
        "The data is synthetic, shaped like the file that leaked in 2021."
    )
    exports.mkdir()
    for index, lab in enumerate(LABS):
        synth = generate(patients, seed=2021 + index, lab=lab)
        write_csv(synth, exports)
        if lab == "lab-a":
            write_hl7(synth, exports)
        if lab == "lab-b":
            write_fhir(synth, exports)
    for path in sorted(exports.iterdir()):
        console.print(f"  wrote {path.relative_to(out)}")

    console.rule("[bold]2. sceau scan: what do these exports hold?")
    with ProgressBar(Console(stderr=True)) as progress:
        report = scan([exports], progress=progress)
    print_report(console, report)

    console.rule("[bold]3. Reports to keep and to hand over")
    for fmt, what in (
        (ReportFormat.HTML, "for the DPO and the regulator"),
        (ReportFormat.JSON, "for tools"),
        (ReportFormat.SARIF, "for CI pipelines"),
    ):
        path = write_report(report, fmt, out / f"scan.{fmt.value}")
        console.print(f"  {path} — {what}")
    console.print(
        "\nThe vendor in 2021 had no such map before extracting everything. With it, the "
        "controller can sign for exactly the columns a migration needs — the next step of sceau."
    )


def _prepare(out: Path) -> None:
    """Empty the demo's own folder; never touch a folder the demo did not make."""
    if out.exists():
        if not (out / MARKER).exists() and any(out.iterdir()):
            raise SceauError(
                "this folder is not empty and was not made by the demo",
                hint="choose another one with --out",
                where=str(out),
            )
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("made by sceau demo; removed at its next run\n")
