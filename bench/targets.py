"""The three SQL targets loading the same batches: PostgreSQL, MariaDB and SQLite.

One process, one synthetic lab-a export (100,000 patients, 28 text columns by default) cut into
the pipeline's staging batches of 65,536 rows. For each target, each run: a new table,
``prepare(create=True)``, every batch through ``write_batch`` with its checkpoint (timed: the
load), then ``read_rows`` of the whole table (timed: the read-back that verification digests).
Each is timed on the wall clock and in this process's CPU time: the database server's work is
the same whatever sceau's code, so the CPU time is what a change to a target moves, and it
varies less than the wall clock on a shared machine. The targets take turns within each run, so
that a burst of load elsewhere hits them alike; the figures are the best run's. Nothing is
asserted. Results go to docs/benchmarks.md.

    python bench/targets.py                      # about a minute
    python bench/targets.py --patients 20000     # a quick look

To compare two versions of sceau, run this file with the other version's ``src`` first on
``PYTHONPATH``: the module path printed at the start says which one was measured.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pyarrow as pa
import pymysql

import sceau
from scan import LAB, SEED, machine
from sceau.synth.labs import generate
from sceau.targets import TargetTable, open_target

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
MARIADB = "mysql://root@127.0.0.1:3306/test"
BATCH_ROWS = 65_536  # the pipeline's staging batch


@dataclass
class Timing:
    """Seconds on the wall clock and in this process's CPU time."""

    wall: float
    cpu: float

    def best(self, other: Timing) -> Timing:
        return Timing(min(self.wall, other.wall), min(self.cpu, other.cpu))


@contextmanager
def timed(into: list[Timing]) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into.append(Timing(time.perf_counter() - wall, time.process_time() - cpu))


def load_and_read(location: str, batches: list[pa.RecordBatch]) -> tuple[Timing, Timing]:
    """The load of every batch into a new table, then the read of the table back."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    target = open_target(location, TargetTable(name, tuple(batches[0].schema.names)))
    timings: list[Timing] = []
    try:
        target.prepare(create=True)
        with timed(timings):
            for number, batch in enumerate(batches):
                target.write_batch("bench", number, batch)
        with timed(timings):
            rows = sum(chunk.num_rows for chunk in target.read_rows())
        assert rows == sum(batch.num_rows for batch in batches), "the target lost rows"
        return timings[0], timings[1]
    finally:
        target.close()
        _drop(location, name)


def _drop(location: str, name: str) -> None:
    if location == POSTGRES:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            connection.execute(f'DROP TABLE IF EXISTS "{name}"')
            connection.execute("DELETE FROM sceau_checkpoints WHERE table_name = %s", [name])
    elif location == MARIADB:
        connection = pymysql.connect(host="127.0.0.1", user="root", database="test")
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS `{name}`")
                cursor.execute("DELETE FROM sceau_checkpoints WHERE table_name = %s", [name])
            connection.commit()
        finally:
            connection.close()
    else:  # a SQLite file of its own
        for path in Path(location.split(":///", 1)[1]).parent.glob("bench.sqlite*"):
            path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    about = machine()
    print(f"sceau from {Path(sceau.__file__).parent}, commit {about['commit']}")
    print(f"{about['date']}, {about['cpus']} CPUs ({about['cpu']}), {about['os']}")
    frame = generate(arguments.patients, seed=SEED, lab=LAB).frame
    batches = frame.to_arrow().to_batches(max_chunksize=BATCH_ROWS)
    rows = frame.height
    print(f"{rows:,} rows x {frame.width} text columns in {len(batches)} batches")
    with tempfile.TemporaryDirectory() as folder:
        targets = {
            "postgresql": POSTGRES,
            "mariadb": MARIADB,
            "sqlite": f"sqlite:///{folder}/bench.sqlite",
        }
        best: dict[str, tuple[Timing, Timing]] = {}
        for run in range(arguments.runs):
            for kind, location in targets.items():
                loaded, read = load_and_read(location, batches)
                print(
                    f"run {run + 1} {kind:<10} load {loaded.wall:6.2f} s (CPU {loaded.cpu:5.2f})"
                    f"  read {read.wall:6.2f} s (CPU {read.cpu:5.2f})"
                )
                if kind in best:
                    loaded, read = best[kind][0].best(loaded), best[kind][1].best(read)
                best[kind] = (loaded, read)
    print(f"\nbest of {arguments.runs} runs")
    print("| target | load | rows/s | load, CPU | read back | rows/s | read back, CPU |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, (loaded, read) in best.items():
        print(
            f"| {kind} | {loaded.wall:.2f} s | {rows / loaded.wall:,.0f} | {loaded.cpu:.2f} s "
            f"| {read.wall:.2f} s | {rows / read.wall:,.0f} | {read.cpu:.2f} s |"
        )


if __name__ == "__main__":
    main()
