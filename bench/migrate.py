"""`sceau migrate` side by side with a bare COPY of the same file into the same PostgreSQL.

One process, one synthetic lab-a file shaped like the 2021 leak (491,840 patients by default):

- the floor: ``COPY table FROM STDIN (FORMAT csv)`` of the file's bytes, 28 text columns, and
  nothing else — no check, no protection, no trace;
- sceau: a signed mandate moving every column but the portal password (whose Argon2id
  re-hashing is timed apart, below), identity columns pseudonymised, the two comment columns
  redacted; the drift scan, encrypted staging, the load through COPY, verification (the target
  read back and digested) and crypto-shredding all inside the timed run.

The goal (sceau within 3x the floor) is printed next to the ratio; nothing is asserted. Then
Argon2id re-hashes per second, on one core and on all of them. Results go to
docs/benchmarks.md.

    python bench/migrate.py                      # full size, a few minutes
    python bench/migrate.py --patients 50000     # a quick look
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import psycopg

from scan import DATA, LAB, PATIENTS, SEED, TABLE, ensure_data, machine
from sceau.accounts import PasswordParams, Role, add_user
from sceau.audit.sink import AuditLog
from sceau.config import Settings
from sceau.keys import open_provider
from sceau.mandate.draft import draft_mandate
from sceau.mandate.sign import sign_mandate
from sceau.mandate.signers import new_signer
from sceau.migrate.pipeline import migrate
from sceau.migrate.session import MigrationSession
from sceau.protect.rehash import Argon2Params, rehash_passwords
from sceau.store import open_store

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
GOAL = 3.0
IDENTITY = {  # the patient's identity: a keyed pseudonym each
    "N_SS",
    "NOM_PAT",
    "PRENOM_PAT",
    "ADR_PAT",
    "TEL1",
    "MAIL_PAT",
    "LOGIN",
}
FREE_TEXT = {"COMMENT1", "COMMENT2"}
DROPPED = {"MP"}  # plaintext passwords: re-hashing is timed on its own


def floor_copy(path: Path, table: str) -> float:
    """The bare COPY of the file into a fresh table of text columns; seconds."""
    header = path.read_bytes().split(b"\n", 1)[0].decode("cp1252").strip().split(";")
    columns = ", ".join(f'"{name}" text' for name in header)
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(f'DROP TABLE IF EXISTS "{table}"')
        connection.execute(f'CREATE TABLE "{table}" ({columns})')
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy(
                f"COPY \"{table}\" FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true, "
                "ENCODING 'WIN1252')"
            ) as copy,
            path.open("rb") as stream,
        ):
            while chunk := stream.read(1 << 20):
                copy.write(chunk)
        return time.perf_counter() - started


def sceau_world(home: Path, source: Path, table: str) -> tuple[Settings, Path]:
    """A state store, a keyring, a controller's signed mandate: all before the clock starts."""
    settings = Settings(home=home, keyring_passphrase=secrets.token_urlsafe(24))
    engine = open_store(settings.store)
    events = AuditLog.from_settings(settings, engine)
    cheap = PasswordParams(time_cost=1, memory_cost=1024, parallelism=1)  # accounts: not timed
    add_user(engine, events, "admin", Role.ADMIN, "bench password 1", by="admin", params=cheap)
    for name, role in (("dpo", Role.CONTROLLER), ("operator", Role.OPERATOR)):
        add_user(engine, events, name, role, "bench password 1", by="admin", params=cheap)
    new_signer(engine, events, "bench passphrase", home / "signers", user="dpo")
    draft = draft_mandate(str(source))
    finess = pl.read_csv(source, separator=";", encoding="cp1252", n_rows=1)["FINESS"][0]
    text = _filled(draft, str(finess), table)
    mandate = home / "mandate.toml"
    mandate.write_text(text, encoding="utf-8")
    sign_mandate(
        mandate,
        home / "signers" / "dpo.signer.pem",
        "bench passphrase",
        engine,
        events,
        user="dpo",
    )
    return settings, mandate


def _filled(draft: str, finess: str, table: str) -> str:
    values = {
        "purpose": "Benchmark migration",
        "legal_reference": "Benchmark agreement, art. 28 GDPR",
        "finess": finess,
    }
    text = re.sub(
        r'^(purpose|legal_reference|finess) = "TODO[^"]*"',
        lambda m: f'{m.group(1)} = "{values[m.group(1)]}"',
        draft,
        flags=re.MULTILINE,
    )
    text = re.sub(r'^name = "TODO[^"]*"', 'name = "Bench"', text, flags=re.MULTILINE)
    text = re.sub(r'^location = "TODO[^"]*"', f'location = "{POSTGRES}"', text, flags=re.MULTILINE)
    text = re.sub(r'^table = "TODO[^"]*"', f'table = "{table}"', text, flags=re.MULTILINE)
    text = text.replace("create = false", "create = true")

    def treatment(match: re.Match[str]) -> str:
        column = match.group(1)
        chosen = (
            "pseudonymise"
            if column in IDENTITY
            else "redact-identifiers"
            if column in FREE_TEXT
            else "drop"
            if column in DROPPED
            else "keep"
        )
        return f'{column} = {{ treatment = "{chosen}"'

    return re.sub(r'^(\w+) = \{ treatment = "drop"', treatment, text, flags=re.MULTILINE)


def sceau_run(settings: Settings, mandate: Path) -> tuple[float, dict[str, Any]]:
    engine = open_store(settings.store)
    provider = open_provider(settings)
    session = MigrationSession(
        settings, engine, AuditLog.from_settings(settings, engine), provider, "operator"
    )
    started = time.perf_counter()
    outcome = migrate(session, mandate)
    seconds = time.perf_counter() - started
    provider.close()
    assert outcome.status == "shredded"
    assert outcome.staged == outcome.loaded
    return seconds, {"rows": outcome.loaded.rows, "phases": outcome.timings}


def argon2_rate(count: int) -> dict[str, float]:
    """Re-hashes per second with the default parameters, on one core and on every core."""
    passwords = pl.Series([f"password-{i}-{secrets.token_hex(4)}" for i in range(count)])
    rates = {}
    for label, workers in (("one core", 1), ("every core", os.cpu_count() or 1)):
        started = time.perf_counter()
        rehash_passwords(passwords, params=Argon2Params(), workers=workers)
        rates[label] = count / (time.perf_counter() - started)
    rates["per core, all busy"] = rates["every core"] / (os.cpu_count() or 1)
    return rates


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=PATIENTS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--runs", type=int, default=2, help="runs of each side; best is kept")
    parser.add_argument("--passwords", type=int, default=400, help="for the Argon2id rate")
    args = parser.parse_args(argv)
    source = ensure_data(DATA / f"{LAB}-{args.patients}-seed{args.seed}", args.patients, args.seed)
    path = source / TABLE
    print(f"machine: {machine()}")
    print(f"file: {path.stat().st_size / 2**20:.0f} MiB, {args.patients:,} patients")
    tables = []
    floors, runs = [], []
    try:
        for attempt in range(args.runs):
            floor_table = f"bench_floor_{uuid.uuid4().hex[:8]}"
            tables.append(floor_table)
            floors.append(floor_copy(path, floor_table))
            print(f"floor (bare COPY), run {attempt + 1}: {floors[-1]:.2f} s", flush=True)
            with tempfile.TemporaryDirectory() as home:
                target = f"bench_sceau_{uuid.uuid4().hex[:8]}"
                tables.append(target)
                settings, mandate = sceau_world(Path(home), path, target)
                seconds, facts = sceau_run(settings, mandate)
                runs.append((seconds, facts))
            print(f"sceau migrate, run {attempt + 1}: {seconds:.2f} s {facts}", flush=True)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as connection:
            for table in tables:
                connection.execute(f'DROP TABLE IF EXISTS "{table}"')
    floor = min(floors)
    best, facts = min(runs, key=lambda run: run[0])
    ratio = best / floor
    verdict = "within" if ratio <= GOAL else "OVER"
    print(f"\nfloor {floor:.2f} s · sceau {best:.2f} s · ratio {ratio:.2f}x ({verdict} {GOAL}x)")
    print(f"sceau phases (s): {facts['phases']}")
    rates = argon2_rate(args.passwords)
    print("Argon2id re-hashes per second: " + ", ".join(f"{k} {v:,.1f}" for k, v in rates.items()))


if __name__ == "__main__":
    sys.exit(main())
