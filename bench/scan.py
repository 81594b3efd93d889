"""`sceau scan` side by side with a bare pyarrow read (the floor) and with Presidio.

One process, one synthetic lab-a file shaped like the 2021 leak (491,840 patients by default),
three figures: how fast pyarrow alone reads it, how fast sceau scans all of it (every count
exact), how fast Presidio analyses a sample of its cells; then how well each tool names the
columns' categories and, row by row, the health categories in the comment columns, against the
generator's labels. The goals (sceau within 2.5x the floor, at least 100x Presidio) are printed
next to the figures; nothing is asserted, this is not a test. Results go to docs/benchmarks.md.

    python bench/scan.py                       # full size, about two minutes
    python bench/scan.py --patients 20000      # a quick look
    python bench/scan.py --json results.json   # keep the figures
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

LAB = "lab-a"
TABLE = f"{LAB}.csv"
PATIENTS = 491_840  # the 2021 leak
SEED = 2021
DELIMITER, ENCODING = ";", "cp1252"  # the generator's lab-a dialect
FLOOR_GOAL, PRESIDIO_GOAL = 2.5, 100.0
SLOW_RUN = 120.0  # seconds: a sceau run slower than this is repeated twice, not three times
DATA = Path(__file__).parent / "data"  # git-ignored

# Presidio's entities in sceau's vocabulary. Presidio has none for NIR/INS, sex, addresses,
# postcodes, birth dates (as opposed to any date), practitioner or insurer ids, logins,
# passwords and their hashes, record ids, or health data; its other entities (URL, IP_ADDRESS,
# CREDIT_CARD, CRYPTO, MAC_ADDRESS, UUID, MEDICAL_LICENSE, ORGANIZATION) have no sceau category
# and count as nothing found.
PRESIDIO_TO_SCEAU = {
    "PERSON": "PERSON_NAME",
    "LOCATION": "CITY",
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "IBAN_CODE": "IBAN",
    "DATE_TIME": "DATE",
    "FR_NIR": "NIR",  # no French recognizer ships with Presidio; kept should one appear
    "FR_PHONE_NUMBER": "PHONE",
}
NOTHING = "OTHER"
MAJORITY = 0.5

T = TypeVar("T")


# --- data -------------------------------------------------------------------------------------


def ensure_data(out: Path, patients: int, seed: int) -> Path:
    """Generate the lab once; a later run with the same size and seed reuses it."""
    wanted = [out / TABLE, out / "labels.json", out / "health_labels.parquet"]
    if all(path.exists() for path in wanted):
        print(f"data: reusing {out}")
        return out
    from sceau.cli import main

    print(f"data: generating {patients:,} patients (seed {seed}) into {out} ...", flush=True)
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    arguments = ["synth", "--patients", str(patients), "--seed", str(seed), "--lab", LAB]
    arguments += ["--format", "csv", "--out", str(out), "--force"]
    main(arguments, standalone_mode=False)
    print(f"data: generated in {time.perf_counter() - started:.0f} s")
    return out


def read_floor(path: Path, newlines_in_values: bool = False) -> pa.Table:
    """What pyarrow alone does: parse the whole file, every column as text.

    The floor is pyarrow's default parse with the file's delimiter and encoding.
    ``newlines_in_values`` is what sceau's reader must set, not knowing whether a quoted cell
    spans lines; it is timed too, for reference.
    """
    with path.open(encoding=ENCODING, newline="") as handle:
        columns = handle.readline().rstrip("\r\n").split(DELIMITER)
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(encoding=ENCODING),
        parse_options=pacsv.ParseOptions(
            delimiter=DELIMITER, newlines_in_values=newlines_in_values
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in columns}, strings_can_be_null=True
        ),
    )


@dataclass
class Timing:
    """Wall-clock seconds of each repetition; the best one is the figure (least noise)."""

    runs: list[float]
    rows: int

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.best

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "runs_s": [round(r, 3) for r in self.runs],
            "best_s": round(self.best, 3),
            "rows_per_s": round(self.rows_per_second),
        }


def timed(run: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


# --- Presidio ---------------------------------------------------------------------------------


def presidio_analyzer() -> Any:
    """Presidio for French with only its own recognizers, built without any network access.

    The generic recognizers (e-mail, phone, IBAN, credit card, date, URL, IP...) with
    ``supported_language="fr"``, and the spaCy NER recognizer on fr_core_news_sm, configured as
    sceau's own French analyzer configures it. Country-specific recognizers (US, UK, IT...) are
    left out: none is French. The e-mail recognizer checks the domain against tldextract's
    bundled suffix list instead of fetching the list from the internet.
    """
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, EmailRecognizer

    from sceau.detect.presidio import MODEL, _nlp_configuration

    class OfflineEmailRecognizer(EmailRecognizer):
        """Presidio's e-mail recognizer, its domain check on the bundled suffix list."""

        extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

        def validate_result(self, pattern_text: str) -> bool:
            return self.extract(pattern_text).fqdn != ""

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    nlp_engine = NlpEngineProvider(nlp_configuration=_nlp_configuration(MODEL)).create_engine()
    registry = RecognizerRegistry(supported_languages=["fr"])
    registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["fr"], countries=[])
    registry.remove_recognizer("EmailRecognizer", "fr")
    registry.add_recognizer(OfflineEmailRecognizer(supported_language="fr"))
    if not any(r.name == "CreditCardRecognizer" for r in registry.recognizers):
        registry.add_recognizer(CreditCardRecognizer(supported_language="fr"))
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["fr"])


@dataclass
class PresidioRun:
    """What Presidio found over the sample: per column, in how many cells each category."""

    rows: int
    cells: int
    seconds: float
    found: dict[str, Counter[str]] = field(default_factory=dict)
    non_null: dict[str, int] = field(default_factory=dict)
    recognizers: list[str] = field(default_factory=list)

    def category(self, column: str, share: float = 0.0) -> str:
        """The category found in most cells of the column; OTHER when none was found.

        ``share``: the least share of the column's non-empty cells that category must be found
        in (0: any number of cells, the rule the figures use; 0.5: a majority, for comparison).
        """
        counts = self.found.get(column)
        if not counts:
            return NOTHING
        category, cells = counts.most_common(1)[0]
        return category if cells > share * self.non_null[column] else NOTHING


def run_presidio(sample: pa.Table, batch_size: int) -> PresidioRun:
    """Every non-empty cell of the sample analysed as one text, column by column.

    Through Presidio's own tabular API (BatchAnalyzerEngine): spaCy runs over a column's cells in
    batches, the recognizers over each cell, the column name is passed as context.
    """
    from presidio_analyzer import BatchAnalyzerEngine

    analyzer = presidio_analyzer()
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    analyzer.analyze(text="Jean Dupont, 0612345678", language="fr")  # warm-up: lazy loads
    names = sorted({f"{type(r).__name__}" for r in analyzer.registry.recognizers})
    run = PresidioRun(rows=sample.num_rows, cells=0, seconds=0.0, recognizers=names)
    started = time.perf_counter()
    for column in sample.column_names:
        cells = [value for value in sample.column(column).to_pylist() if value]
        run.cells += len(cells)
        run.non_null[column] = len(cells)
        results = batch.analyze_iterator(
            cells, language="fr", batch_size=batch_size, context=[column]
        )
        counts: Counter[str] = Counter()
        for found in results:
            mapped = {PRESIDIO_TO_SCEAU.get(r.entity_type) for r in found} - {None}
            counts.update(mapped)  # type: ignore[arg-type]
        run.found[column] = counts
    run.seconds = time.perf_counter() - started
    return run


# --- accuracy ---------------------------------------------------------------------------------


@dataclass
class Scores:
    """Precision, recall and F1 per category from true/false positives and false negatives."""

    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    mistakes: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, where: str, truth: Iterable[str], predicted: Iterable[str]) -> None:
        truth, predicted = set(truth), set(predicted)
        for category in truth & predicted:
            self.tp[category] += 1
        for category in predicted - truth:
            self.fp[category] += 1
        for category in truth - predicted:
            self.fn[category] += 1
        if truth != predicted:
            self.mistakes.append((where, ",".join(sorted(truth)), ",".join(sorted(predicted))))

    def categories(self) -> list[str]:
        return sorted(set(self.tp) | set(self.fp) | set(self.fn))

    def support(self, category: str) -> int:
        return self.tp[category] + self.fn[category]

    def precision(self, category: str) -> float | None:
        found = self.tp[category] + self.fp[category]
        return self.tp[category] / found if found else None

    def recall(self, category: str) -> float | None:
        support = self.support(category)
        return self.tp[category] / support if support else None

    def f1(self, category: str) -> float | None:
        """None when the category was neither expected nor predicted."""
        wrong = self.fp[category] + self.fn[category]
        tp = self.tp[category]
        return 2 * tp / (2 * tp + wrong) if tp + wrong else None

    def to_dict(self) -> dict[str, Any]:
        return {
            category: {
                "support": self.support(category),
                "tp": self.tp[category],
                "fp": self.fp[category],
                "fn": self.fn[category],
                "precision": _round(self.precision(category)),
                "recall": _round(self.recall(category)),
                "f1": _round(self.f1(category)),
            }
            for category in self.categories()
        } | {"mistakes": [list(m) for m in self.mistakes]}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def column_scores(truth: dict[str, str], predicted: dict[str, str]) -> Scores:
    """One prediction per labelled column."""
    scores = Scores()
    for column, category in truth.items():
        scores.add(column, [category], [predicted.get(column, NOTHING)])
    return scores


def health_scores(
    labels: pl.DataFrame, predict: Callable[[str], pl.Series], rows: int | None = None
) -> Scores:
    """Health categories row by row in each labelled comment column (``rows``: the first only)."""
    scores = Scores()
    for (column,), group in labels.group_by(["column"], maintain_order=True):
        if rows is not None:
            group = group.filter(pl.col("row") < rows)
        predicted = predict(str(column)).to_list()
        for row, expected in zip(group["row"], group["health_categories"].to_list(), strict=True):
            scores.add(f"{column}:{row}", expected, predicted[row])
    return scores


# --- profile ----------------------------------------------------------------------------------


def profile_scan(path: Path, categories: dict[str, str]) -> dict[str, Any]:
    """Where one scan's time goes: reading, classification, counting, free text, per column.

    The same stages as :func:`sceau.detect.scan.scan_table`, run one after the other with a
    timer around each (the count queries one column at a time, where the scan runs them all at
    once; the free text after the counting, where the scan analyses it on another thread), so
    the sum is an upper bound of a real scan's time, not a replacement for it.
    """
    from sceau.detect.base import registered
    from sceau.detect.classify import classify_table
    from sceau.detect.freetext import analyse_columns
    from sceau.detect.scan import COUNT_ROWS, DEFAULT_SAMPLE_ROWS, _Counter
    from sceau.sources.base import batched, open_source

    stages: Counter[str] = Counter()
    per_column: dict[str, Counter[str]] = {}
    started = time.perf_counter()
    table = next(open_source(path).tables())
    batches = list(table.batches())
    stages["read (pyarrow streaming reader)"] = time.perf_counter() - started

    clock = time.perf_counter()
    sample = pl.from_arrow(pa.Table.from_batches(batches)).head(DEFAULT_SAMPLE_ROWS)
    assert isinstance(sample, pl.DataFrame)
    classes = classify_table(sample, list(registered()))
    stages["classify (sample, every column)"] = time.perf_counter() - clock

    counter = _Counter(classes, ThreadPoolExecutor(1))  # its queries; the free text is timed here
    texts = [cls.finding.name for cls in classes if cls.is_text]
    for batch in batched(iter(batches), COUNT_ROWS):
        clock = time.perf_counter()
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        stages["arrow -> polars"] += time.perf_counter() - clock
        clock = time.perf_counter()
        frame.select(pl.all().is_not_null().sum())
        stages["non-null counts"] += time.perf_counter() - clock
        clock = time.perf_counter()
        counter.population.add(frame)
        stages["distinct patients"] += time.perf_counter() - clock
        for cls in classes:
            if cls.detectors:
                name = cls.finding.name
                clock = time.perf_counter()
                pl.collect_all([counter._query(frame, cls)])
                per_column.setdefault(name, Counter())["count matches"] += (
                    time.perf_counter() - clock
                )
        if texts:
            clock = time.perf_counter()
            analyse_columns(frame.select(texts))
            stages["free text (every row, the comment columns together)"] += (
                time.perf_counter() - clock
            )
    stages["count matches (every row)"] = sum(c["count matches"] for c in per_column.values())
    return {
        "stages_s": {k: round(v, 3) for k, v in stages.items()},
        "total_s": round(sum(stages.values()), 3),
        "columns_s": {
            name: {"category": categories.get(name, "?")}
            | {k: round(v, 3) for k, v in times.items()}
            | {"total": round(sum(times.values()), 3)}
            for name, times in sorted(per_column.items(), key=lambda kv: -sum(kv[1].values()))
        },
    }


# --- report -----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = ""
    memory = 0
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    try:
        os_name = platform.freedesktop_os_release()["PRETTY_NAME"]
    except (OSError, AttributeError, KeyError):
        os_name = platform.platform()
    packages = ["sceau", "polars", "pyarrow", "presidio-analyzer", "spacy", "fr-core-news-sm"]
    return {
        "date": date.today().isoformat(),
        "cpus": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "ram_gib": round(memory / 2**30, 1),
        "os": f"{os_name} ({platform.machine()}, kernel {platform.release()})",
        "python": platform.python_version(),
        "versions": {name: _version(name) for name in packages},
        "commit": _commit(),
    }


def _commit() -> str:
    """The sceau commit measured, ``+changes`` when the working tree differs from it."""
    import subprocess

    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", *arguments], cwd=Path(__file__).parent, capture_output=True, text=True
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", ":/src")
    except OSError:
        return "unknown"
    return (head or "unknown") + ("+changes" if changed else "")


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain text table, numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    right = [all(_numeric(r[i]) for r in cells) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)
        ).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}" if value < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return text == "-" or text.replace(",", "").replace(".", "").replace("x", "").isdigit()


def accuracy_table(tools: dict[str, Scores]) -> str:
    """One line per category, precision / recall / F1 of each tool side by side."""
    categories = sorted(set().union(*(s.categories() for s in tools.values())))
    first = next(iter(tools.values()))
    headers = ["category", "truth"]
    for name in tools:
        headers += [f"{name} P", f"{name} R", f"{name} F1"]
    rows = []
    for category in categories:
        row: list[object] = [category, first.support(category)]
        for scores in tools.values():
            row += [scores.precision(category), scores.recall(category), scores.f1(category)]
        rows.append(row)
    return table(headers, rows)


def _goal(ratio: float, goal: float, at_most: bool = True) -> str:
    met = ratio <= goal if at_most else ratio >= goal
    return f"goal {'<=' if at_most else '>='} {goal:g}x: {'met' if met else 'NOT met'}"


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Runs the three measurements and both accuracy checks, prints them, returns the figures."""
    args = _parser().parse_args(argv)
    figures: dict[str, Any] = {"machine": machine(), "command": _command(argv)}
    info = figures["machine"]
    print(f"{info['date']}  {info['cpus']} CPUs ({info['cpu']}), {info['ram_gib']} GiB")
    print(f"{info['os']}, python {info['python']}, sceau commit {info['commit']}")
    print("  ".join(f"{k} {v}" for k, v in info["versions"].items()))

    folder = ensure_data(
        args.data or DATA / f"{LAB}-{args.patients}-seed{args.seed}", args.patients, args.seed
    )
    path = folder / TABLE
    figures |= throughput(path, args)
    figures |= accuracy(folder, figures.pop("_run"))
    if args.profile == "yes" or (
        args.profile == "auto" and not figures["ratios"]["floor_goal_met"]
    ):
        figures["profile"] = profile_scan(path, figures["columns"]["sceau"])
        print_profile(figures["profile"])
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        print(f"\nfigures written to {args.json}")
    return figures


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=PATIENTS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--data", type=Path, help="a synth output folder (default: bench/data/...)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the floor and of sceau")
    parser.add_argument("--presidio-rows", type=int, default=1000, help="rows Presidio analyses")
    parser.add_argument("--presidio-batch", type=int, default=64, help="spaCy batch size")
    parser.add_argument(
        "--profile",
        choices=["auto", "yes", "no"],
        default="auto",
        help="time sceau's stages per column (auto: when the floor goal is missed)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser


@dataclass
class _Run:
    """What the throughput runs leave for the accuracy checks."""

    arrow: pa.Table
    report: Any
    presidio: PresidioRun
    sample: pa.Table


def throughput(path: Path, args: argparse.Namespace) -> dict[str, Any]:
    """The floor and sceau over the whole file, best of ``--repeat``; Presidio on a sample."""
    from sceau.detect.scan import scan

    # Interleaved, so that a burst of load elsewhere on the machine hits every tool alike.
    floor, floor_newlines, sceau = Timing([], 0), Timing([], 0), Timing([], 0)
    load = [os.getloadavg()[0]] if hasattr(os, "getloadavg") else []
    repeat = args.repeat
    while len(sceau.runs) < repeat:
        seconds, arrow = timed(lambda: read_floor(path))
        floor.runs.append(seconds)
        seconds, _ = timed(lambda: read_floor(path, newlines_in_values=True))
        floor_newlines.runs.append(seconds)
        seconds, report = timed(lambda: scan([path]))
        sceau.runs.append(seconds)
        if sceau.runs[0] > SLOW_RUN:
            repeat = min(repeat, 2)
    floor.rows = floor_newlines.rows = arrow.num_rows
    sceau.rows = report.tables[0].rows
    size = path.stat().st_size
    print(
        f"\nfile: {path.name}, {arrow.num_rows:,} rows x {arrow.num_columns} columns, "
        f"{size / 2**20:,.1f} MiB"
    )
    sample = arrow.slice(0, args.presidio_rows)
    presidio = run_presidio(sample, args.presidio_batch)

    floor_ratio = floor.rows_per_second / sceau.rows_per_second
    presidio_rps = presidio.rows / presidio.seconds
    presidio_ratio = sceau.rows_per_second / presidio_rps
    print("\nthroughput")
    rows = [
        ("pyarrow read_csv (the floor)", floor),
        ("  with newlines_in_values", floor_newlines),
        ("sceau scan, every row", sceau),
        (f"Presidio, {presidio.cells:,} cells", Timing([presidio.seconds], presidio.rows)),
    ]
    print(
        table(
            ["tool", "rows", "runs (s)", "best (s)", "rows/s", "sceau's rows/s ÷ this"],
            [
                [
                    name,
                    t.rows,
                    " ".join(f"{r:.2f}" for r in t.runs),
                    t.best,
                    t.rows_per_second,
                    f"{sceau.rows_per_second / t.rows_per_second:,.2f}x",
                ]
                for name, t in rows
            ],
        )
    )
    if hasattr(os, "getloadavg"):
        load.append(os.getloadavg()[0])
        print(f"load average (1 min) before and after: {load[0]:.2f}, {load[1]:.2f}")
    print(f"sceau takes {floor_ratio:.2f}x the floor's time ({_goal(floor_ratio, FLOOR_GOAL)})")
    print(
        f"sceau's throughput is {presidio_ratio:,.0f}x Presidio's "
        f"({_goal(presidio_ratio, PRESIDIO_GOAL, at_most=False)})"
    )
    tables = report.to_dict()["sources"]
    for scanned in tables:
        scanned["source"] = Path(scanned["source"]).name
    return {
        "file": {
            "name": path.name,
            "bytes": size,
            "rows": arrow.num_rows,
            "columns": arrow.num_columns,
        },
        "load_average": load,
        "floor": floor.to_dict(),
        "floor_newlines_in_values": floor_newlines.to_dict(),
        "sceau": sceau.to_dict() | {"tables": tables},
        "presidio": {
            "rows": presidio.rows,
            "cells": presidio.cells,
            "seconds": round(presidio.seconds, 3),
            "rows_per_s": round(presidio_rps, 2),
            "batch_size": args.presidio_batch,
            "recognizers": presidio.recognizers,
            "columns": {c: dict(presidio.found[c]) for c in sample.column_names},
        },
        "ratios": {
            "sceau_time_over_floor": round(floor_ratio, 3),
            "floor_goal_met": floor_ratio <= FLOOR_GOAL,
            "sceau_over_presidio_throughput": round(presidio_ratio, 1),
            "presidio_goal_met": presidio_ratio >= PRESIDIO_GOAL,
        },
        "_run": _Run(arrow, report, presidio, sample),
    }


def accuracy(folder: Path, run: _Run) -> dict[str, Any]:
    """Column categories of both tools, and health categories row by row, against the labels."""
    from sceau.detect.freetext import health_by_row

    labels = json.loads((folder / "labels.json").read_text())["tables"][TABLE]["columns"]
    truth = {column: label["category"] for column, label in labels.items()}
    scanned = run.report.tables[0]
    presidio = run.presidio
    sceau_columns = {c.name: c.category.value for c in scanned.columns}
    presidio_columns = {column: presidio.category(column) for column in run.sample.column_names}
    majority_columns = {c: presidio.category(c, MAJORITY) for c in run.sample.column_names}
    by_column = {
        "sceau": column_scores(truth, sceau_columns),
        "Presidio": column_scores(truth, presidio_columns),
    }
    majority = column_scores(truth, majority_columns)
    print(f"\ncolumn categories: {len(truth)} labelled columns (Presidio: {presidio.rows:,} rows)")
    print(accuracy_table(by_column))
    for name, scores in by_column.items():
        wrong = ", ".join(f"{w} ({t} -> {p})" for w, t, p in scores.mistakes) or "none"
        print(f"{name} mistakes: {wrong}")
    print(
        f"Presidio with a majority rule (a category found in more than {MAJORITY:.0%} of a "
        f"column's cells): {len(truth) - len(majority.mistakes)} of {len(truth)} columns right, "
        f"against {len(truth) - len(by_column['Presidio'].mistakes)} with the plurality rule"
    )

    health_labels = pl.read_parquet(folder / "health_labels.parquet").filter(
        pl.col("table") == TABLE
    )
    comment_columns = sorted(health_labels["column"].unique())
    frame = pl.from_arrow(run.arrow)
    assert isinstance(frame, pl.DataFrame)
    started = time.perf_counter()
    by_row = {column: health_by_row(frame[column]) for column in comment_columns}
    health_seconds = time.perf_counter() - started
    nothing = pl.Series([[]] * presidio.rows, dtype=pl.List(pl.String))
    health = {
        "sceau": health_scores(health_labels, by_row.__getitem__),
        "Presidio": health_scores(health_labels, lambda _: nothing, rows=presidio.rows),
    }
    print(
        f"\nhealth categories row by row in {', '.join(comment_columns)} "
        f"(sceau: every row, {health_seconds:.2f} s; Presidio: the first {presidio.rows:,} rows)"
    )
    print(accuracy_table(health))
    print("Presidio has no health entity: it finds none of these (recall 0 by construction).")

    exact = []
    for column in scanned.columns:
        label = labels.get(column.name, {})
        expected = label.get("valid_matches")
        if expected is not None and label.get("category") == column.category.value:
            exact.append((column.name, column.category.value, expected, column.matches))
    differ = [e for e in exact if e[2] != e[3]]
    print(
        f"\nsceau's counts equal the labels' valid_matches on {len(exact) - len(differ)} of "
        f"{len(exact)} correctly classified columns"
        + ("".join(f"\n  {n} ({c}): label {e:,}, sceau {m:,}" for n, c, e, m in differ))
    )
    return {
        "columns": {
            "truth": truth,
            "sceau": sceau_columns,
            "presidio": presidio_columns,
            "presidio_majority": majority_columns,
            "scores": {name: s.to_dict() for name, s in by_column.items()},
            "presidio_majority_scores": majority.to_dict(),
        },
        "health": {
            "columns": comment_columns,
            "seconds": round(health_seconds, 3),
            "scores": {
                name: s.to_dict() | {"mistakes": len(s.mistakes)} for name, s in health.items()
            },
        },
        "counts": {"checked": len(exact), "differ": [list(d) for d in differ]},
    }


def print_profile(profile: dict[str, Any]) -> None:
    """The stages, then the twelve slowest columns."""
    print("\nwhere sceau's time goes (stages run one after the other, timed)")
    stages = sorted(profile["stages_s"].items(), key=lambda kv: -kv[1])
    print(table(["stage", "seconds"], [*stages, ["total", profile["total_s"]]]))
    columns = list(profile["columns_s"].items())[:12]
    print(
        table(
            ["column", "category", "count matches"],
            [[name, t["category"], t.get("count matches")] for name, t in columns],
        )
    )


def _command(argv: Sequence[str] | None) -> str:
    arguments = list(sys.argv[1:] if argv is None else argv)
    return " ".join(["python bench/scan.py", *arguments])


if __name__ == "__main__":
    main()
