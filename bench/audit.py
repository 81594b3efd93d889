"""The audit trail side by side with its floors: appends per second, and verification against
hashing the same bytes.

One process, one fresh SQLite state store (WAL, ``synchronous=FULL``, as ``open_store`` sets):

- **append**: 1,000,000 events shaped like a day of migrations (logins, run starts, staged and
  loaded batches; built before the clock starts) recorded with ``AuditLog.record_many`` in
  batches of 1,000, one transaction each, a signed checkpoint every 1,000 entries. Goal: at
  least 50,000 events/s.
- **verify**: ``verify_log`` on that store (every seal, every leaf, the tree rebuilt, every
  checkpoint's root and signature, the head), against two floors that hash each stored entry's
  bytes with SHA-256 and do nothing else: (a) from a list already in memory, (b) read from the
  same file with a raw ``sqlite3`` cursor. No verifier of the stored log can beat (b), so the
  goal, verification within 3x the floor, is read against (b); both ratios are printed.
- **single appends**: the cost of one ``record`` call (one transaction, one fsync-backed
  commit), for reference.

The append runs ``--append-runs`` times, each into a fresh store; the floors and ``verify_log``
run interleaved (``--runs`` times each); the best of each is kept. Wall-clock and CPU seconds are
both printed (a shared machine distorts the second less). Nothing is asserted but that the log
verifies; results go to docs/benchmarks.md.

    python bench/audit.py                        # 1,000,000 events, about a minute and a half
    python bench/audit.py --events 100000        # a quick look
    python bench/audit.py --profile append       # cProfile of one side, top 25 functions
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path

from scan import machine
from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog
from sceau.audit.verify import verify_log
from sceau.events import BatchLoaded, BatchStaged, Event, LoginSucceeded, RunStarted
from sceau.store import open_store

EVENTS = 1_000_000
BATCH = 1_000
SINGLE = 5_000
APPEND_GOAL = 50_000.0  # events/s
VERIFY_GOAL = 3.0  # x the floor read from the file
START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
OPERATORS = ("op.durand", "op.martin", "op.bernard", "op.petit", "op.robert")
BATCHES_PER_RUN = 24  # 24 staged then 24 loaded: about 1.6 million rows a run


def day_of_events(count: int) -> list[Event]:
    """Runs one after the other: a login, the run's start, its staged then its loaded batches."""
    made: list[Event] = []
    run = 0
    while len(made) < count:
        actor = OPERATORS[run % len(OPERATORS)]
        run_id = f"20261123-{run:06x}"
        at = START + timedelta(milliseconds=len(made) * 20)
        made.append(LoginSucceeded(actor=actor, user=actor, at=at))
        made.append(
            RunStarted(
                actor=actor,
                run_id=run_id,
                mandate_sha256=sha256(run_id.encode()).hexdigest(),
                source=f"/srv/exports/lab-a/{run_id}.csv",
                destination="postgresql://sceau@warehouse.lab.local/lab",
                at=at,
            )
        )
        for kind in (BatchStaged, BatchLoaded):
            for batch in range(BATCHES_PER_RUN):
                at += timedelta(milliseconds=20)
                extra = {"refused_rows": (batch * 7) % 5} if kind is BatchStaged else {}
                made.append(
                    kind(actor="sceau", run_id=run_id, batch=batch, rows=65_536, at=at, **extra)
                )
        run += 1
    return made[:count]


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock seconds, and this process's CPU seconds (which other work on a shared
    machine distorts less; waits for the disk are not in them)."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def append(log: AuditLog, events: Sequence[Event], batch: int) -> None:
    record_many = log.record_many
    for start in range(0, len(events), batch):
        record_many(events[start : start + batch])


def verify(log: AuditLog, size: int) -> None:
    result = verify_log(log)
    if not result.intact or result.size != size:
        raise SystemExit(f"the benchmark's own log does not verify: {result.first}")


def stored_entries(path: Path) -> list[bytes]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT entry FROM audit_entries")]


def floor_memory(entries: Sequence[bytes]) -> None:
    """(a) SHA-256 of every entry's bytes, the list already in memory."""
    for entry in entries:
        sha256(entry).digest()


def floor_file(path: Path) -> None:
    """(b) every entry read from the file in order with a raw cursor, and hashed.

    The cursor is iterated row by row: on this machine that was as fast as any fetchmany size,
    and faster than large ones (50,000 rows: about +30%)."""
    connection = sqlite3.connect(path)
    for (entry,) in connection.execute("SELECT entry FROM audit_entries ORDER BY seq"):
        sha256(entry).digest()
    connection.close()


def single(log: AuditLog, count: int) -> tuple[float, float]:
    """``count`` separate ``record`` calls, each its own transaction."""
    events = [
        LoginSucceeded(actor="op.durand", user="op.durand", at=START + timedelta(seconds=n))
        for n in range(count)
    ]
    record = log.record

    def work() -> None:
        for event in events:
            record(event)

    return timed(work)


def profiled(work: Callable[[], object]) -> None:
    profile = cProfile.Profile()
    profile.runcall(work)
    pstats.Stats(profile).sort_stats("tottime").print_stats(25)


def fresh_log(home: Path, name: str) -> tuple[AuditLog, Path]:
    path = home / name
    return AuditLog(open_store(f"sqlite:///{path}"), AuditKey.generate()), path


def load() -> str:
    return "load average (1 min) " + (
        f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--batch", type=int, default=BATCH, help="events per record_many call")
    parser.add_argument("--single", type=int, default=SINGLE, help="separate record() calls")
    parser.add_argument("--append-runs", type=int, default=2, help="each into a fresh store")
    parser.add_argument("--runs", type=int, default=5, help="runs of verify and of each floor")
    parser.add_argument("--profile", choices=("append", "verify"), help="profile one side only")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    started = time.perf_counter()
    events = day_of_events(args.events)
    print(f"events: {len(events):,} built in {time.perf_counter() - started:.1f} s (not timed)")
    print(load())
    n = len(events)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        if args.profile is not None:
            log, _ = fresh_log(home, "profiled.db")
            if args.profile == "append":
                profiled(lambda: append(log, events, args.batch))
            else:
                append(log, events, args.batch)
                profiled(lambda: verify(log, n))
            return
        appends = []
        for attempt in range(1, args.append_runs + 1):
            log, path = fresh_log(home, f"run{attempt}.db")
            appends.append(timed(lambda log=log: append(log, events, args.batch)))
            wall, cpu = appends[-1]
            print(f"append run {attempt}: {wall:.2f} s ({cpu:.2f} CPU-s)", flush=True)
        wall, cpu = min(appends)
        verdict = "met" if n / wall >= APPEND_GOAL else "MISSED"
        print(
            f"\nappend: {n:,} events, record_many x {args.batch:,}, checkpoint every "
            f"{log.checkpoint_every:,}: best {wall:.2f} s = {n / wall:,.0f} events/s "
            f"({n / cpu:,.0f} per CPU-second; goal {APPEND_GOAL:,.0f}/s: {verdict})"
        )
        stored = sum(p.stat().st_size for p in home.glob(f"{path.name}*"))
        print(
            f"store: {stored / 2**20:.0f} MiB with its WAL, {len(log.checkpoints()):,} checkpoints"
        )
        entries = stored_entries(path)
        print(f"entries: {sum(map(len, entries)) / len(entries):.0f} bytes on average")
        floors_a, floors_b, verifies = [], [], []
        for attempt in range(1, args.runs + 1):
            floors_a.append(timed(lambda entries=entries: floor_memory(entries)))
            floors_b.append(timed(lambda path=path: floor_file(path)))
            verifies.append(timed(lambda log=log: verify(log, n)))
            print(
                f"run {attempt}: floor (a) {floors_a[-1][0]:.2f} s, "
                f"floor (b) {floors_b[-1][0]:.2f} s, verify_log {verifies[-1][0]:.2f} s",
                flush=True,
            )
        del entries
        (a, a_cpu), (b, b_cpu), (v, v_cpu) = min(floors_a), min(floors_b), min(verifies)
        verdict = "met" if v / b <= VERIFY_GOAL else "MISSED"
        print(
            f"\nverify_log                   {v:.2f} s = {n / v:,.0f} entries/s "
            f"({v_cpu:.2f} CPU-s)\n"
            f"  floor (a) hash in memory   {a:.2f} s = {n / a:,.0f}/s, ratio {v / a:.2f}x "
            f"(CPU {v_cpu / a_cpu:.2f}x)\n"
            f"  floor (b) read file + hash {b:.2f} s = {n / b:,.0f}/s, ratio {v / b:.2f}x "
            f"(CPU {v_cpu / b_cpu:.2f}x; goal {VERIFY_GOAL}x, read against (b): {verdict})"
        )
        wall, cpu = single(log, args.single)
        print(
            f"\nsingle record(): {args.single:,} calls in {wall:.2f} s = "
            f"{wall / args.single * 1e6:,.0f} µs each ({args.single / wall:,.0f} events/s; "
            f"{cpu / args.single * 1e6:,.0f} µs of CPU each)"
        )
        print(load())


if __name__ == "__main__":
    sys.exit(main())
