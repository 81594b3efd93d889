"""Scores ``sceau scan`` on the foreign evaluation set.

    python -m tests.foreign.score [--patients N] [--seed S] [--folder DIR] [--json PATH]
    python -m tests.foreign.score --holdout [--json PATH]

generates the set (into a temporary folder unless ``--folder`` is given), then:

- **columns**: scans each file with ``sceau.detect.scan.scan`` and the reader options its
  labels name (the file without a header row is scanned with ``header=False``, as a user would
  pass ``--no-header``; every other file with none, so the readers sniff as they do for a user),
  and compares each column's category with the truth. FREE_TEXT and HEALTH_TEXT count as one
  "text" class. A labelled table the readers do not return is listed apart.
- **health**: reads each comment column back through sceau's reader and runs
  ``sceau.detect.freetext.health_by_row`` on it: precision, recall and F1 per health category
  over cells, and precision on the cells that hold a hard negative.
- **identifiers in comments**: phones, e-mails and NIRs the scan counted in each comment column,
  against the truth.

``score(folder)`` returns every figure as a dict, for a test or a benchmark.

With ``--holdout`` it scores instead the held-out cells of :mod:`holdout` (written apart from
the phrase lists, for a final score): ``score_holdout()`` runs them through ``health_by_row`` and
returns the same health figures, plus how many cells of each trap and of the harmless kind were
flagged. Its report gives counts, never a cell's text.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from sceau.detect.base import Category, HealthCategory
from sceau.detect.freetext import health_by_row
from sceau.detect.scan import scan
from sceau.sources.base import open_source

from . import comment_vocab, holdout
from .generator import COMMENTS, DEFAULT_PATIENTS, DEFAULT_SEED, LABELS, generate

_TEXT = {Category.FREE_TEXT.value, Category.HEALTH_TEXT.value}
_IDENTIFIERS = ("PHONE", "EMAIL", "NIR")


def _class(category: str) -> str:
    return "TEXT" if category in _TEXT else category


def load(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The labels and the comment truth the generator wrote into ``folder``."""
    labels = json.loads((folder / LABELS).read_text(encoding="utf-8"))
    with (folder / COMMENTS).open(encoding="utf-8") as handle:
        comments = [json.loads(line) for line in handle]
    return labels, comments


def _files(labels: dict[str, Any]) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    for table in labels["tables"].values():
        files.setdefault(table["file"], table["reader_options"])
    return files


def _key(folder: Path, source: str) -> str:
    """A scanned table's name as the labels key it: the file relative to the folder, #table."""
    path, hash_, table = source.partition("#")
    relative = Path(path).resolve().relative_to(folder.resolve()).as_posix()
    return relative + hash_ + table


def score_columns(folder: Path, labels: dict[str, Any]) -> dict[str, Any]:
    """Column accuracy, every wrong column, and each comment column's embedded identifiers."""
    found: dict[str, dict[str, Any]] = {}
    for file, options in _files(labels).items():
        for table in scan([folder / file], **options).tables:
            found[_key(folder, table.source)] = {c.name: c for c in table.columns}
    wrong, unread, unlabelled, embedded = [], [], [], []
    total = correct = 0
    for key, table in labels["tables"].items():
        if key not in found:
            unread.append(key)
            continue
        columns = found[key]
        unlabelled += [f"{key}:{name}" for name in columns if name not in table["columns"]]
        for name, truth in table["columns"].items():
            finding = columns.get(name)
            predicted = finding.category.value if finding is not None else "(not read)"
            total += 1
            if _class(predicted) == _class(truth):
                correct += 1
            else:
                wrong.append(
                    {
                        "table": key,
                        "column": name,
                        "described_as": table["notes"].get(name, name),
                        "truth": truth,
                        "predicted": predicted,
                        "confidence": round(finding.confidence, 2) if finding else None,
                    }
                )
            if name in table["comment_columns"] and finding is not None:
                embedded.append(
                    {
                        "table": key,
                        "column": name,
                        "found": {i: finding.embedded.get(Category(i), 0) for i in _IDENTIFIERS},
                    }
                )
    return {
        "total": total,
        "correct": correct,
        "accuracy": correct / total if total else 0.0,
        "wrong": wrong,
        "unread_tables": unread,
        "unlabelled_columns": unlabelled,
        "embedded": embedded,
    }


def read_column(folder: Path, labels: dict[str, Any], key: str, column: str) -> pl.Series:
    """A column's cells as sceau's reader yields them, in file order."""
    table = labels["tables"][key]
    source = open_source(folder / table["file"], **table["reader_options"])
    for candidate in source.tables():
        if _key(folder, candidate.name) == key:
            arrow = pa.Table.from_batches(list(candidate.batches()))
            series = pl.from_arrow(arrow.column(column))
            assert isinstance(series, pl.Series)
            return series.alias(column)
    raise KeyError(key)


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "support": tp + fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def _tally(rows: Iterable[tuple[set[str], set[str], bool]]) -> dict[str, Any]:
    """Per-category P/R/F1, micro figures and hard-negative precision over (truth, said, hard)."""
    counts = {c.value: [0, 0, 0] for c in HealthCategory}  # tp, fp, fn
    hard = {"cells": 0, "cells_flagged_wrongly": 0, "tp": 0, "fp": 0}
    for truth, said, is_hard in rows:
        for category in counts:
            counts[category][0] += category in truth and category in said
            counts[category][1] += category in said and category not in truth
            counts[category][2] += category in truth and category not in said
        if is_hard:
            hard["cells"] += 1
            hard["tp"] += len(truth & said)
            hard["fp"] += len(said - truth)
            hard["cells_flagged_wrongly"] += bool(said - truth)
    hard_precision = hard["tp"] / (hard["tp"] + hard["fp"]) if hard["tp"] + hard["fp"] else 1.0
    return {
        "per_category": {category: _prf(*values) for category, values in counts.items()},
        "micro": _prf(*(sum(values[i] for values in counts.values()) for i in range(3))),
        "hard_negatives": {**hard, "precision": hard_precision},
    }


def score_health(
    folder: Path, labels: dict[str, Any], comments: list[dict[str, Any]]
) -> dict[str, Any]:
    """Per health category P/R/F1 over comment cells; precision on hard-negative cells."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for line in comments:
        groups[(line["table"], line["column"])].append(line)
    rows: list[tuple[set[str], set[str], bool]] = []
    errors: list[dict[str, Any]] = []
    mismatched = 0
    for (key, column), lines in groups.items():
        lines.sort(key=lambda line: line["row"])
        values = read_column(folder, labels, key, column)
        if len(values) != len(lines):
            raise AssertionError(f"{key}:{column} has {len(values)} cells, truth {len(lines)}")
        predicted = health_by_row(values.cast(pl.String)).to_list()
        for line, text, found in zip(lines, values.to_list(), predicted, strict=True):
            mismatched += text != line["text"]
            truth, said = set(line["health"]), set(found or [])
            rows.append((truth, said, line["hard_negative"]))
            if truth != said:
                errors.append(
                    {
                        "table": key,
                        "column": column,
                        "row": line["row"],
                        "text": text,
                        "missed": sorted(truth - said),
                        "extra": sorted(said - truth),
                        "hard_negative": line["hard_negative"],
                    }
                )
    return {
        "cells": len(comments),
        "cells_with_health": sum(bool(line["health"]) for line in comments),
        **_tally(rows),
        "errors": errors,
        "reader_text_mismatches": mismatched,
    }


def score_holdout(cells: Sequence[holdout.Cell] | None = None) -> dict[str, Any]:
    """The health figures on the held-out cells, each run alone through ``health_by_row``.

    Errors name a cell by its line in the data file, not by its text, so that a report of
    them does not spread the held-out phrasings.
    """
    cells = holdout.load() if cells is None else cells
    found = health_by_row(pl.Series("comment", [cell.text for cell in cells])).to_list()
    said = [set(categories) for categories in found]
    traps = {trap: {"cells": 0, "cells_flagged_wrongly": 0} for trap in holdout.TRAPS}
    harmless = {"cells": 0, "cells_flagged": 0}
    rows: list[tuple[set[str], set[str], bool]] = []
    errors = []
    for cell, categories in zip(cells, said, strict=True):
        rows.append((set(cell.health), categories, cell.kind == "hard_negative"))
        extra = categories - cell.health
        if cell.trap is not None:
            traps[cell.trap]["cells"] += 1
            traps[cell.trap]["cells_flagged_wrongly"] += bool(extra)
        if cell.kind == "harmless":
            harmless["cells"] += 1
            harmless["cells_flagged"] += bool(categories)
        if categories != cell.health:
            errors.append(
                {
                    "line": cell.line,
                    "kind": cell.kind,
                    "trap": cell.trap,
                    "missed": sorted(cell.health - categories),
                    "extra": sorted(extra),
                }
            )
    return {
        "cells": len(cells),
        "cells_with_health": sum(bool(cell.health) for cell in cells),
        "kinds": {kind: sum(cell.kind == kind for cell in cells) for kind in holdout.KINDS},
        **_tally(rows),
        "traps": traps,
        "harmless": harmless,
        "errors": errors,
    }


def embedded_truth(comments: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, int]]:
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(_IDENTIFIERS, 0)
    )
    for line in comments:
        for name, count in line["identifiers"].items():
            totals[(line["table"], line["column"])][name] += count
    return totals


def diagnose_phrases() -> list[dict[str, Any]]:
    """Each vocabulary phrase alone through ``health_by_row``: which ones sceau misjudges."""
    phrases = [(text, set(cats), "positive") for text, cats in comment_vocab.POSITIVE]
    phrases += [(text, set(), "hard_negative") for text in comment_vocab.HARD_NEGATIVE]
    phrases += [(text, set(), "harmless") for text in comment_vocab.HARMLESS]
    phrases += [(text, set(), "clinical_other") for text in comment_vocab.CLINICAL_OTHER]
    slots = {
        "{d}": "12/03",
        "{y}": "2015",
        "{sa}": "14",
        "{n}": "3",
        "{g}": "2",
        "{city}": "Rennes",
    }
    texts = []
    for text, _, _ in phrases:
        for slot, value in slots.items():
            text = text.replace(slot, value)
        texts.append(text)
    found = health_by_row(pl.Series("phrase", texts)).to_list()
    return [
        {
            "kind": kind,
            "text": text,
            "missed": sorted(truth - set(said)),
            "extra": sorted(set(said) - truth),
        }
        for (_, truth, kind), text, said in zip(phrases, texts, found, strict=True)
        if truth != set(said)
    ]


def score(folder: str | Path) -> dict[str, Any]:
    """Every figure for the set in ``folder``, as a dict."""
    folder = Path(folder)
    labels, comments = load(folder)
    columns = score_columns(folder, labels)
    truth = embedded_truth(comments)
    for entry in columns["embedded"]:
        entry["truth"] = truth[(entry["table"], entry["column"])]
    return {
        "seed": labels["seed"],
        "patients": labels["patients"],
        "columns": columns,
        "health": score_health(folder, labels, comments),
    }


def run(patients: int = DEFAULT_PATIENTS, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Generate the set into a temporary folder and score it; timings included."""
    with tempfile.TemporaryDirectory(prefix="sceau-foreign-") as folder:
        started = time.perf_counter()
        generate(folder, patients, seed)
        generated = time.perf_counter()
        figures = score(folder)
        figures["seconds"] = {
            "generate": round(generated - started, 2),
            "score": round(time.perf_counter() - generated, 2),
        }
    return figures


def _category_table(health: dict[str, Any]) -> list[str]:
    out = [f"{'category':<15} {'support':>7} {'precision':>9} {'recall':>7} {'F1':>6}"]
    for category, row in [*health["per_category"].items(), ("(micro)", health["micro"])]:
        out.append(
            f"{category:<15} {row['support']:>7} {row['precision']:>9.3f} {row['recall']:>7.3f} "
            f"{row['f1']:>6.3f}"
        )
    return out


def render_holdout(figures: dict[str, Any]) -> str:
    """The held-out figures as a plain-text report; counts only, never a cell's text."""
    kinds = ", ".join(f"{count} {kind}" for kind, count in figures["kinds"].items())
    hard, harmless = figures["hard_negatives"], figures["harmless"]
    out = [
        f"held-out comment cells: {figures['cells']} ({kinds}), "
        f"{figures['cells_with_health']} with health data",
        "",
        *_category_table(figures),
        "",
        f"hard-negative cells: {hard['cells']}, precision {hard['precision']:.3f}, "
        f"{hard['cells_flagged_wrongly']} flagged with a category they do not state",
    ]
    for trap, row in figures["traps"].items():
        out.append(f"  {trap:<12} {row['cells_flagged_wrongly']:>3} of {row['cells']:>3} flagged")
    out += [
        f"harmless cells flagged: {harmless['cells_flagged']} of {harmless['cells']}",
        f"cells judged wrongly: {len(figures['errors'])} (lines of the data file in --json)",
    ]
    return "\n".join(out)


def render(figures: dict[str, Any], phrases: list[dict[str, Any]] | None = None) -> str:
    """The figures as a plain-text report."""
    columns, health = figures["columns"], figures["health"]
    out = [
        f"foreign evaluation set: seed {figures['seed']}, "
        f"{figures['patients']} patients per export",
        "",
        f"column accuracy: {columns['accuracy']:.3f} ({columns['correct']}/{columns['total']})",
    ]
    if columns["unread_tables"]:
        out.append(
            f"labelled tables the readers did not return: {', '.join(columns['unread_tables'])}"
        )
    if columns["unlabelled_columns"]:
        out.append(f"columns without a label: {', '.join(columns['unlabelled_columns'])}")
    if columns["wrong"]:
        out += ["", f"{'table':<36} {'column':<28} {'truth':<16} {'predicted':<16} conf"]
        for row in sorted(columns["wrong"], key=lambda r: (r["truth"], r["table"])):
            name = (
                row["column"]
                if row["column"] == row["described_as"]
                else (f"{row['column']} ({row['described_as']})")
            )
            out.append(
                f"{row['table']:<36} {name:<28} {row['truth']:<16} {row['predicted']:<16} "
                f"{row['confidence']}"
            )
    out += [
        "",
        f"health categories over {health['cells']} comment cells "
        f"({health['cells_with_health']} with health data):",
        "",
        *_category_table(health),
    ]
    hard = health["hard_negatives"]
    out += [
        "",
        f"hard-negative cells: {hard['cells']}, precision {hard['precision']:.3f}, "
        f"{hard['cells_flagged_wrongly']} flagged with a category they do not state",
        "",
        "identifiers in comment columns (truth / found):",
    ]
    for entry in columns["embedded"]:
        pairs = ", ".join(f"{i} {entry['truth'][i]}/{entry['found'][i]}" for i in _IDENTIFIERS)
        out.append(f"  {entry['table']}:{entry['column']}: {pairs}")
    if health["reader_text_mismatches"]:
        out.append(
            f"comment cells read back differently from what was written: "
            f"{health['reader_text_mismatches']}"
        )
    if phrases is not None:
        out += ["", f"phrases misjudged alone ({len(phrases)}):"]
        for row in phrases:
            out.append(
                f"  [{row['kind']}] {row['text']!r}: missed {row['missed']}, extra {row['extra']}"
            )
    if "seconds" in figures:
        s = figures["seconds"]
        out += ["", f"generation {s['generate']} s, scoring {s['score']} s"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--folder", help="generate into (and keep) this folder")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument("--phrases", action="store_true", help="also judge each phrase alone")
    parser.add_argument(
        "--holdout", action="store_true", help="score the held-out comment cells instead"
    )
    args = parser.parse_args(argv)
    if args.holdout:
        figures = score_holdout()
        report = render_holdout(figures)
    else:
        if args.folder:
            started = time.perf_counter()
            generate(args.folder, args.patients, args.seed)
            generated = time.perf_counter()
            figures = score(args.folder)
            figures["seconds"] = {
                "generate": round(generated - started, 2),
                "score": round(time.perf_counter() - generated, 2),
            }
        else:
            figures = run(args.patients, args.seed)
        report = render(figures, diagnose_phrases() if args.phrases else None)
    print(report)
    if args.json:
        Path(args.json).write_text(
            json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
