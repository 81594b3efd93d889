"""Throughput of ``redact-identifiers`` on 500,000 synthetic comments, against a floor.

Two columns of a synthetic lab-a export: its first comment column as the generator writes it
(lab comments repeat: few distinct texts), and a column where every cell differs (the comment,
then the patient's name and phone number, as staff add them). The floor is one Polars regex pass
over the same column (``str.replace_all`` of runs of nine digits or more): no redaction can read
the text in fewer passes. This is a benchmark, not a test: nothing is asserted; it prints seconds,
rows per second and the ratio to the floor (best of ``--repeat`` runs), in wall-clock and in
CPU time.

    python bench/redact.py
    python bench/redact.py --rows 100000 --repeat 1
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import polars as pl

from sceau.protect.redact import redact_identifiers
from sceau.synth import generate

ROWS = 500_000
SEED = 3


def _best(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The best wall-clock and CPU seconds (all threads) of ``repeat`` runs: on a busy machine
    the CPU time moves less."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def _floor(values: pl.Series) -> pl.Series:
    return values.str.replace_all("[0-9]{9,}", "[ID]")


def columns(rows: int) -> dict[str, pl.Series]:
    frame = generate(rows, seed=SEED, lab="lab-a").frame
    distinct = frame.select(
        pl.format(
            "{} - rappeler {} {} au {}",
            pl.col("COMMENT1").fill_null("RAS"),
            pl.col("PRENOM_PAT"),
            pl.col("NOM_PAT"),
            pl.col("TEL1"),
        )
    ).to_series()
    return {"as generated": frame["COMMENT1"], "every cell distinct": distinct}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    start = time.perf_counter()
    data = columns(options.rows)
    print(f"synthetic comments: {options.rows:,} rows in {time.perf_counter() - start:.1f} s")
    redact_identifiers(pl.Series(["warm-up: Mme Martin 06 12 34 56 78"]))  # lexicons, regexes
    for label, values in data.items():
        floor, floor_cpu = _best(lambda values=values: _floor(values), options.repeat)
        seconds, cpu = _best(lambda values=values: redact_identifiers(values), options.repeat)
        print(
            f"  {label:<20} {values.n_unique():>8,} distinct  floor {floor:5.2f} s"
            f"  redact {seconds:5.2f} s = {values.len() / seconds:>10,.0f} rows/s"
            f"  ({seconds / floor:.1f}x the floor; CPU {cpu:.2f} s, {cpu / floor_cpu:.1f}x)"
        )


if __name__ == "__main__":
    main()
