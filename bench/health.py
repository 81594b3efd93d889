"""Health categories in lab comments: sceau side by side with AP-HP's edsnlp.

On the comment columns of the synthetic lab-a file (the one bench/scan.py scans), on the
generator's hard cases (health words negated, about a relative, hypothetical or not about the
patient; drugs as TREATMENT and their condition), and on the held-out cells of
tests/foreign/holdout.jsonl (written apart from sceau's lexicon and never tuned on: the fair
measure, where the first two are sceau's own generator), both tools say which health categories
each cell states about the patient:

- **sceau**: ``sceau.detect.freetext.health_by_row`` (terminologies, curated jargon, context).
- **edsnlp**: its own pipeline on a blank French pipeline (no model download): ``eds.normalizer``,
  ``eds.sentences``, ``eds.drugs`` and ``eds.cim10`` (exact matching on normalised text), and its
  qualifiers ``eds.negation``, ``eds.family``, ``eds.hypothesis``. An entity counts unless a
  qualifier marks it; a drug counts as the categories of its ATC code, a diagnosis as those of
  its CIM-10 code, through the very tables sceau uses (sceau.detect.health.codes).

Printed: time per row of each, the speed ratio, agreement per category (rows where both, only
sceau, only edsnlp find it) and each tool's precision, recall and F1 against the generator's
labels. Not a test: nothing is asserted. Results go to docs/benchmarks.md.

    python bench/health.py                     # the 491,840-patient file, 20,000 sampled cells
    python bench/health.py --patients 20000    # a quick look
"""

from __future__ import annotations

import os

os.environ.setdefault("TQDM_DISABLE", "1")  # edsnlp's progress bars, 45,000 lines of them

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from sceau.detect.base import HealthCategory
from sceau.detect.health.codes import atc_categories, cim10_categories

sys.path.insert(0, str(Path(__file__).parent))
from scan import DATA, LAB, PATIENTS, SEED, TABLE, ensure_data, machine, table

CATEGORIES = [c.value for c in HealthCategory]
HEADERS = ["category", "labelled", "both", "only sceau", "only edsnlp"] + [
    f"{tool} {score}" for tool in ("sceau", "edsnlp") for score in ("P", "R", "F1")
]


def edsnlp_pipeline() -> Any:
    """edsnlp's health pipeline, built from its own components, without any model."""
    import edsnlp
    import edsnlp.pipes as eds

    nlp = edsnlp.blank("eds")
    nlp.add_pipe(eds.normalizer())
    nlp.add_pipe(eds.sentences())
    nlp.add_pipe(eds.drugs(term_matcher="exact"))
    nlp.add_pipe(eds.cim10(term_matcher="exact"))
    nlp.add_pipe(eds.negation())
    nlp.add_pipe(eds.family())
    nlp.add_pipe(eds.hypothesis())
    return nlp


def edsnlp_rows(nlp: Any, texts: Sequence[str | None]) -> tuple[list[list[str]], float]:
    """Per text, the categories edsnlp's entities state about the patient; and the seconds."""
    started = time.perf_counter()
    rows: list[list[str]] = []
    for doc in nlp.pipe([text or "" for text in texts], batch_size=256):
        found: set[str] = set()
        for ent in doc.ents:
            if ent._.negation or ent._.family or ent._.hypothesis:
                continue
            code = str(ent.kb_id_).replace(".", "")
            mapped = atc_categories(code) if ent.label_ == "drug" else cim10_categories(code)
            found |= {category.value for category in mapped}
        rows.append(sorted(found, key=CATEGORIES.index))
    return rows, time.perf_counter() - started


def sceau_rows(texts: pl.Series) -> tuple[list[list[str]], float]:
    from sceau.detect.freetext import health_by_row

    started = time.perf_counter()
    rows = health_by_row(texts).to_list()
    return rows, time.perf_counter() - started


def scores(truth: list[list[str]], predicted: list[list[str]]) -> dict[str, dict[str, Any]]:
    """Precision, recall and F1 per category, rows as the unit."""
    tp, fp, fn = Counter[str](), Counter[str](), Counter[str]()
    for want, got in zip(truth, predicted, strict=True):
        for category in set(got) & set(want):
            tp[category] += 1
        for category in set(got) - set(want):
            fp[category] += 1
        for category in set(want) - set(got):
            fn[category] += 1
    out = {}
    for category in CATEGORIES:
        p = tp[category] / (tp[category] + fp[category]) if tp[category] + fp[category] else None
        r = tp[category] / (tp[category] + fn[category]) if tp[category] + fn[category] else None
        f = (
            2 * tp[category] / (2 * tp[category] + fp[category] + fn[category])
            if (tp[category] + fp[category] + fn[category])
            else None
        )
        out[category] = {"support": tp[category] + fn[category], "p": p, "r": r, "f1": f}
    return out


def agreement(sceau: list[list[str]], other: list[list[str]]) -> dict[str, dict[str, int]]:
    """Per category, rows where both tools, only sceau, only edsnlp find it."""
    out = {c: {"both": 0, "only sceau": 0, "only edsnlp": 0} for c in CATEGORIES}
    for mine, theirs in zip(sceau, other, strict=True):
        for category in set(mine) & set(theirs):
            out[category]["both"] += 1
        for category in set(mine) - set(theirs):
            out[category]["only sceau"] += 1
        for category in set(theirs) - set(mine):
            out[category]["only edsnlp"] += 1
    return out


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def compare(name: str, texts: pl.Series, truth: list[list[str]], nlp: Any) -> dict[str, Any]:
    """Both tools on the same cells: time, agreement, scores; printed and returned."""
    mine, mine_s = sceau_rows(texts)
    theirs, theirs_s = edsnlp_rows(nlp, texts.to_list())
    rows = texts.len()
    print(f"\n{name}: {rows:,} cells")
    print(
        table(
            ["tool", "seconds", "µs per row", "rows/s"],
            [
                ["sceau", f"{mine_s:.3f}", f"{1e6 * mine_s / rows:.1f}", f"{rows / mine_s:,.0f}"],
                [
                    "edsnlp",
                    f"{theirs_s:.3f}",
                    f"{1e6 * theirs_s / rows:.1f}",
                    f"{rows / theirs_s:,.0f}",
                ],
            ],
        )
    )
    print(f"sceau is {theirs_s / mine_s:,.0f}x faster on these cells")
    agree = agreement(mine, theirs)
    mine_scores, their_scores = scores(truth, mine), scores(truth, theirs)
    print(
        table(
            HEADERS,
            [
                [
                    category,
                    mine_scores[category]["support"],
                    agree[category]["both"],
                    agree[category]["only sceau"],
                    agree[category]["only edsnlp"],
                    *(_fmt(mine_scores[category][k]) for k in ("p", "r", "f1")),
                    *(_fmt(their_scores[category][k]) for k in ("p", "r", "f1")),
                ]
                for category in CATEGORIES
            ],
        )
    )
    flagged = {
        tool: sum(1 for want, got in zip(truth, rows_, strict=True) if set(got) - set(want))
        for tool, rows_ in (("sceau", mine), ("edsnlp", theirs))
    }
    negatives = sum(
        1 for text, want in zip(texts.to_list(), truth, strict=True) if text and not want
    )
    return {
        "cells": rows,
        "seconds": {"sceau": round(mine_s, 3), "edsnlp": round(theirs_s, 3)},
        "us_per_row": {"sceau": 1e6 * mine_s / rows, "edsnlp": 1e6 * theirs_s / rows},
        "speed_ratio": theirs_s / mine_s,
        "agreement": agree,
        "scores": {"sceau": mine_scores, "edsnlp": their_scores},
        "cells_with_a_category_not_labelled": flagged,
        "cells_labelled_with_none": negatives,
    }


def lab_comments(folder: Path, sample: int, seed: int) -> tuple[pl.Series, list[list[str]], dict]:
    """A sample of the lab file's comment cells with their labels; and sceau on every row."""
    from sceau.detect.freetext import health_by_row
    from sceau.sources.base import open_source

    labels = pl.read_parquet(folder / "health_labels.parquet").filter(pl.col("table") == TABLE)
    source = next(open_source(folder / TABLE).tables())
    frame = pl.from_arrow(__import__("pyarrow").Table.from_batches(list(source.batches())))
    assert isinstance(frame, pl.DataFrame)
    columns = sorted(labels["column"].unique())
    whole = {}
    started = time.perf_counter()
    for column in columns:
        health_by_row(frame[column].cast(pl.String))
    whole["seconds"] = round(time.perf_counter() - started, 3)
    whole["rows"] = frame.height * len(columns)
    texts, truth = [], []
    rng = np.random.default_rng(seed)
    for column in columns:
        rows = labels.filter(pl.col("column") == column).sort("row")
        picked = np.sort(
            rng.choice(rows.height, size=min(sample // len(columns), rows.height), replace=False)
        )
        texts += frame[column].cast(pl.String).gather(rows["row"].gather(picked)).to_list()
        truth += rows["health_categories"].gather(picked).to_list()
    return pl.Series(texts, dtype=pl.String), truth, whole


def hard_cases(count: int, seed: int) -> tuple[pl.Series, list[list[str]]]:
    from sceau.synth.comments import comments

    identifiers = {
        "phone": pl.Series(["0612345678"] * count),
        "nir": pl.Series(["185057800608491"] * count),
        "email": pl.Series(["a.b@example.fr"] * count),
        "iban": pl.Series(["FR7630006000011234567890189"] * count),
        "nir_valid": np.ones(count, dtype=bool),
    }
    texts, labels, _ = comments(np.random.default_rng(seed), count, identifiers, hard_only=True)
    return texts, labels.to_list()


HOLDOUT = Path(__file__).parents[1] / "tests" / "foreign" / "holdout.jsonl"


def holdout_cells() -> tuple[pl.Series, list[list[str]]]:
    """The held-out comment cells and their labels, in file order."""
    texts, truth = [], []
    with HOLDOUT.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            texts.append(row["text"])
            truth.append(sorted(row["health"], key=CATEGORIES.index))
    return pl.Series(texts, dtype=pl.String), truth


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=PATIENTS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sample", type=int, default=20_000, help="comment cells both tools read")
    parser.add_argument("--hard", type=int, default=5_000, help="generator hard cases")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures: dict[str, Any] = {"machine": machine()}
    info = figures["machine"]
    print(f"{info['date']}  {info['cpus']} CPUs ({info['cpu']}), {info['ram_gib']} GiB")
    print(f"sceau commit {info['commit']}, edsnlp {__import__('edsnlp').__version__}")
    folder = ensure_data(DATA / f"{LAB}-{args.patients}-seed{args.seed}", args.patients, args.seed)

    started = time.perf_counter()
    nlp = edsnlp_pipeline()
    print(f"edsnlp pipeline built in {time.perf_counter() - started:.1f} s (not timed below)")
    from sceau.detect.health.terminology import load_matcher

    started = time.perf_counter()
    load_matcher()
    print(f"sceau patterns compiled in {time.perf_counter() - started:.2f} s (not timed below)")

    texts, truth, whole = lab_comments(folder, args.sample, args.seed)
    print(
        f"\nsceau on every comment cell of the file: {whole['rows']:,} cells in "
        f"{whole['seconds']:.2f} s ({1e6 * whole['seconds'] / whole['rows']:.2f} µs per cell)"
    )
    figures["sceau_whole_file"] = whole
    figures["lab_comments"] = compare("lab-a comments (a sample)", texts, truth, nlp)
    hard_texts, hard_truth = hard_cases(args.hard, args.seed)
    figures["hard_cases"] = compare("the generator's hard cases", hard_texts, hard_truth, nlp)
    held_texts, held_truth = holdout_cells()
    figures["holdout"] = compare("held-out cells (never tuned on)", held_texts, held_truth, nlp)
    for name in ("lab_comments", "hard_cases", "holdout"):
        found = figures[name]
        print(
            f"{name}: cells given a category they are not labelled with — sceau "
            f"{found['cells_with_a_category_not_labelled']['sceau']:,}, edsnlp "
            f"{found['cells_with_a_category_not_labelled']['edsnlp']:,} "
            f"(of {found['cells']:,}; {found['cells_labelled_with_none']:,} labelled with none)"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        print(f"\nfigures written to {args.json}")
    return figures


if __name__ == "__main__":
    main()
