"""Deterministic synthetic lab data shaped like the file that leaked in 2021, with its truth.

``generate`` makes one lab's export as a DataFrame; ``write_labs`` writes labs in any format,
with ``labels.json`` and ``health_labels.parquet`` beside them (docs/synth.md).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from sceau.files import write_atomic
from sceau.synth.labs import LABS, Lab, SynthTable, generate
from sceau.synth.writers import FILE_WRITERS, Health, Labels, write_sql

FORMATS = (*FILE_WRITERS, "sqlite")
LABELS_FILE = "labels.json"
HEALTH_LABELS_FILE = "health_labels.parquet"

__all__ = ["FORMATS", "LABS", "Lab", "SynthTable", "generate", "write_labs"]


def write_labs(
    folder: Path,
    *,
    labs: Iterable[str] = tuple(LABS),
    formats: Iterable[str] = ("csv",),
    patients: int = 1_000,
    seed: int = 0,
    database_url: str | None = None,
) -> list[Path]:
    """Write each lab in each format under ``folder`` (and to ``database_url`` if given)."""
    folder.mkdir(parents=True, exist_ok=True)
    labels: Labels = {}
    health: Health = []
    formats = tuple(formats)
    for index, lab in enumerate(labs):
        synth = generate(patients, seed=seed + index, lab=lab)
        for fmt in formats:
            if fmt == "sqlite":
                found, rows = write_sql(synth, f"sqlite:///{folder / 'labs.sqlite'}")
                found = {f"labs.sqlite#{name}": value for name, value in found.items()}
                rows = [{**row, "table": f"labs.sqlite#{row['table']}"} for row in rows]
            else:
                found, rows = FILE_WRITERS[fmt](synth, folder)
            labels.update(found)
            health.extend(rows)
        if database_url:
            found, rows = write_sql(synth, database_url)
            labels.update(found)
            health.extend(rows)
    document = {"seed": seed, "patients": patients, "tables": labels}
    write_atomic(folder / LABELS_FILE, json.dumps(document, indent=1).encode("utf-8"))
    frame = pl.DataFrame(
        health,
        schema={
            "table": pl.String,
            "column": pl.String,
            "row": pl.Int64,
            "health_categories": pl.List(pl.String),
            "embedded": pl.List(pl.String),
        },
    )
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    write_atomic(folder / HEALTH_LABELS_FILE, buffer.getvalue())
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))
