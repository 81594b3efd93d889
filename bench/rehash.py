"""Throughput of the protect transforms: Argon2id re-hashes per second, and the vectorised ones.

Argon2id with the default (OWASP) parameters is timed on one core and on every core, over
distinct synthetic passwords. The other transforms run on columns of one synthetic lab export of
491,840 rows (the size of the 2021 leak): NIRs (HMAC token and FF3-1 pseudonym), the two comment
columns (redaction), birth dates and postcodes (generalisation), surnames (field encryption).
This is a benchmark, not a test: nothing is asserted; it prints the figures.

    python bench/rehash.py
    python bench/rehash.py --rows 100000 --passwords 500
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections.abc import Callable

import polars as pl

from sceau.crypto.envelope import new_data_key
from sceau.protect.encrypt import encrypt_values
from sceau.protect.generalise import generalise
from sceau.protect.pseudonymise import pseudonymise, pseudonymise_nir
from sceau.protect.redact import redact_identifiers
from sceau.protect.rehash import Argon2Params, rehash_passwords
from sceau.synth import generate

ROWS = 491_840
PASSWORDS = 2_000
SEED = 1


def _timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def argon2(passwords: int) -> None:
    """Wall-clock rates, and hashes per CPU-second, which a busy machine does not distort."""
    values = pl.Series("password", [f"mot-de-passe-{i:06d}" for i in range(passwords)])
    cores = os.cpu_count() or 1
    params = Argon2Params()
    print(f"Argon2id m={params.memory_cost} KiB, t={params.time_cost}, p={params.parallelism}")
    cpu = time.process_time()
    one = _timed(lambda: rehash_passwords(values, workers=1))
    cpu = time.process_time() - cpu
    print(
        f"  one core:   {passwords:,} in {one:.2f} s = {passwords / one:,.1f} hashes/s"
        f" ({passwords / cpu:,.1f} per CPU-second)"
    )
    cpu = _children_cpu()
    every = _timed(lambda: rehash_passwords(values, workers=cores))
    cpu = _children_cpu() - cpu
    print(
        f"  {cores} cores:    {passwords:,} in {every:.2f} s = {passwords / every:,.1f} hashes/s"
        f" ({passwords / cpu:,.1f} per CPU-second in the workers; start-up included)"
    )


def columns(rows: int) -> None:
    start = time.perf_counter()
    frame = generate(rows, seed=SEED, lab="lab-a").frame
    print(f"synthetic lab-a export: {rows:,} rows in {time.perf_counter() - start:.1f} s")
    key = new_data_key()
    work: list[tuple[str, str, Callable[[pl.Series], object]]] = [
        ("pseudonymise (HMAC token)", "N_SS", lambda s: pseudonymise(s, key)),
        ("pseudonymise:nir (FF3-1)", "N_SS", lambda s: pseudonymise_nir(s, key)),
        ("redact-identifiers", "COMMENT1", redact_identifiers),
        ("redact-identifiers", "COMMENT2", redact_identifiers),
        ("generalise:year", "DDN", lambda s: generalise(s, "year")),
        ("generalise:department", "CP_PAT", lambda s: generalise(s, "department")),
        ("encrypt", "NOM_PAT", lambda s: encrypt_values(s, key, context="bench")),
    ]
    for name, column, transform in work:
        values = frame[column]
        seconds = _timed(lambda values=values, transform=transform: transform(values))
        print(
            f"  {name:<27} {column:<9} {values.n_unique():>8,} distinct"
            f"  {seconds:6.2f} s  {values.len() / seconds:>12,.0f} values/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--passwords", type=int, default=PASSWORDS)
    options = parser.parse_args()
    argon2(options.passwords)
    columns(options.rows)


if __name__ == "__main__":
    main()
