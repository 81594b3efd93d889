"""Writes the foreign evaluation set into a folder, with its ground truth.

    python -m tests.foreign.generator OUT [--patients N] [--seed S]

writes, for N patients per export:

- four delimited exports, one per vendor dialect (:mod:`vendors`), one without a header row;
- ``medilis_sync.jsonl``: nested JSON lines (an ``entities`` object holding NIRs, an address
  object, a list of analyses);
- ``biogest_base.sqlite``: tables ``patient`` and ``demande``, a table ``stat_prescripteur``
  made by a ``count(*)`` query, and a view ``v_activite_jour``;
- ``labels.json``: for every table, its reader options and each column's true category;
- ``comments.jsonl``: for every comment cell, its text, health categories, whether it holds a
  hard negative, and its phones, e-mails and NIRs.

Everything is drawn from ``random.Random`` and Faker instances seeded from ``--seed``: the same
seed writes the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import population, stores
from .comments import compose
from .population import Lab, Patient
from .vendors import DIALECTS, Dialect

LABELS = "labels.json"
COMMENTS = "comments.jsonl"
DEFAULT_PATIENTS = 500
DEFAULT_SEED = 2021


@dataclass
class Truth:
    """What the generator knows about what it wrote."""

    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)

    def table(
        self,
        key: str,
        *,
        vendor: str,
        file: str,
        rows: int,
        columns: dict[str, str],
        comments: dict[str, str],
        table: str | None = None,
        reader_options: dict[str, Any] | None = None,
        view: bool = False,
        notes: dict[str, str] | None = None,
    ) -> None:
        self.tables[key] = {
            "vendor": vendor,
            "file": file,
            "table": table,
            "reader_options": reader_options or {},
            "rows": rows,
            "view": view,
            "columns": columns,
            "comment_columns": comments,
            "notes": notes or {},
        }

    def comment(self, table: str, column: str, row: int, comment: Any) -> None:
        self.comments.append(
            {
                "table": table,
                "column": column,
                "row": row,
                "text": comment.text,
                "health": sorted(comment.health),
                "hard_negative": comment.hard_negative,
                "identifiers": comment.identifiers,
            }
        )


@dataclass(frozen=True)
class World:
    """One seed's insurers, shared by every lab."""

    seed: int
    insurers: tuple[population.Insurer, ...]

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")

    def faker(self, name: str) -> population.Faker:
        return population.faker(random.Random(f"{self.seed}:faker:{name}").randrange(2**32))


def generate(
    folder: str | Path, patients: int = DEFAULT_PATIENTS, seed: int = DEFAULT_SEED
) -> dict[str, Any]:
    """Write the evaluation set into ``folder`` (created if needed); returns the labels."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    world = World(seed, population.insurers(random.Random(f"{seed}:insurers")))
    truth = Truth()
    labs: dict[str, Lab] = {}
    for dialect in DIALECTS:
        rng, fake = world.rng(dialect.vendor), world.faker(dialect.vendor)
        lab = population.lab(rng, fake, dialect.dept)
        labs[dialect.vendor] = lab
        people = [population.patient(rng, fake, lab, world.insurers, i) for i in range(patients)]
        _write_delimited(out, dialect, lab, people, rng, fake, truth)
    for name, writer, vendor in (
        ("jsonl", stores.write_jsonl, "medilis"),
        ("sqlite", stores.write_sqlite, "biogest"),
    ):
        rng, fake = world.rng(name), world.faker(name)
        lab = labs[vendor]
        people = [population.patient(rng, fake, lab, world.insurers, i) for i in range(patients)]
        writer(out, lab, people, rng, fake, truth)
    labels = {"seed": seed, "patients": patients, "comments": COMMENTS, "tables": truth.tables}
    (out / LABELS).write_text(json.dumps(labels, ensure_ascii=False, indent=1), encoding="utf-8")
    with (out / COMMENTS).open("w", encoding="utf-8") as handle:
        for line in truth.comments:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    return labels


def _write_delimited(
    out: Path,
    dialect: Dialect,
    lab: Lab,
    people: list[Patient],
    rng: random.Random,
    fake: population.Faker,
    truth: Truth,
) -> None:
    names = [
        column.header if dialect.header else f"column_{i}"
        for i, column in enumerate(dialect.columns, start=1)
    ]
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=dialect.delimiter,
        quoting=dialect.quoting,
        lineterminator=dialect.newline,
    )
    if dialect.header:
        writer.writerow(names)
    for row, person in enumerate(people):
        cells: list[str | None] = []
        for name, column in zip(names, dialect.columns, strict=True):
            if column.comment is not None:
                comment = compose(rng, fake, column.comment, dialect.comments)
                truth.comment(dialect.file, name, row, comment)
                cells.append(comment.text)
            elif column.constant is not None:
                cells.append(lab.finess if column.constant == "finess" else lab.code)
            else:
                assert column.value is not None
                cells.append(column.value(person, rng))
        writer.writerow(["" if cell is None else cell for cell in cells])
    (out / dialect.file).write_bytes(buffer.getvalue().encode(dialect.encoding))
    truth.table(
        dialect.file,
        vendor=dialect.vendor,
        file=dialect.file,
        rows=len(people),
        columns={
            name: column.category for name, column in zip(names, dialect.columns, strict=True)
        },
        comments={
            name: column.comment
            for name, column in zip(names, dialect.columns, strict=True)
            if column.comment
        },
        reader_options={} if dialect.header else {"header": False},
        notes={}
        if dialect.header
        else {n: c.header for n, c in zip(names, dialect.columns, strict=True)},
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    labels = generate(args.folder, args.patients, args.seed)
    print(f"{len(labels['tables'])} tables written to {args.folder}")


if __name__ == "__main__":
    main()
