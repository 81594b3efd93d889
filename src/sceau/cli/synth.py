"""``sceau synth``: deterministic synthetic lab exports, with their ground truth beside them."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.console import Console

from sceau.errors import SceauError
from sceau.synth import FORMATS, LABS, write_labs


@click.command()
@click.option("--patients", type=click.IntRange(min=1), default=1_000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same bytes.")
@click.option(
    "--lab",
    "labs",
    multiple=True,
    type=click.Choice([*LABS, "all"]),
    default=("lab-a",),
    show_default=True,
    help="Lab dialect(s); repeat the option or say 'all'.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice([*FORMATS, "all"]),
    default=("csv",),
    show_default=True,
    help="Output format(s); repeat the option or say 'all'.",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--db", "database_url", help="Also load each lab into this database URL.")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
def synth(
    patients: int,
    seed: int,
    labs: tuple[str, ...],
    formats: tuple[str, ...],
    out: Path,
    database_url: str | None,
    force: bool,
) -> None:
    """Write synthetic exports shaped like the 2021 leaked file, with labels.json beside them."""
    if out.exists() and any(out.iterdir()) and not force:
        raise SceauError(
            "the output folder is not empty",
            hint="choose another --out or add --force",
            where=str(out),
        )
    chosen_labs = tuple(LABS) if "all" in labs else labs
    chosen_formats = FORMATS if "all" in formats else formats
    console = Console(stderr=True)
    started = time.perf_counter()
    with console.status(f"Synthesising {patients:,} patients per lab…"):
        written = write_labs(
            out,
            labs=chosen_labs,
            formats=chosen_formats,
            patients=patients,
            seed=seed,
            database_url=database_url,
        )
    seconds = time.perf_counter() - started
    console.print(
        f"Wrote {len(written)} files for {len(chosen_labs)} lab(s) × {patients:,} synthetic "
        f"patients to {out} in {seconds:.1f} s (labels in {out / 'labels.json'})."
    )
