"""Passwords never travel in clear: each is re-hashed with Argon2id on its way to the target.

The output is the PHC string the portal stores and verifies, for example
``$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`` (argon2-cffi's ``PasswordHasher.verify``, or any
Argon2 library, checks a password against it). The default parameters are OWASP's first choice
for Argon2id: 19 MiB of memory, 2 passes, 1 lane — about 20 ms a hash on one core.

Every cell gets its own random 16-byte salt, equal passwords included: two accounts with the
same password must not show it, and one cracked hash must not open the others. This is why the
loop runs over cells and not over distinct values; it runs on every core.

A value that already is a hash (bcrypt, an older argon2, a crypt(3) string, a bare MD5 or SHA hex
digest) is hashed like any other: it is *wrapped*, and nothing that may be an old, weak hash
reaches the target as it was. The portal then verifies a login against the wrapped scheme: for
an unsalted digest, Argon2id-verify the hex digest of the password typed (``md5(password)``);
a salted scheme's salt and cost were inside the old hash, which does not travel, so those users
set a new password (the portal offers it when verification fails).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import current_process, get_context

import polars as pl
from argon2 import PasswordHasher, Type

IN_PROCESS_BELOW = 64  # fewer cells than this are hashed without starting worker processes
_CHUNKS_PER_WORKER = 4


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost parameters; the defaults are OWASP's (Password Storage Cheat Sheet)."""

    memory_cost: int = 19_456  # KiB (19 MiB): what each guess costs an attacker in memory
    time_cost: int = 2  # passes over that memory
    parallelism: int = 1  # lanes; 1 keeps one hash on one core, the cores hash cells in parallel
    hash_len: int = 32  # bytes of output
    salt_len: int = 16  # bytes of random salt, fresh for every cell


def rehash_passwords(
    values: pl.Series, *, params: Argon2Params | None = None, workers: int | None = None
) -> pl.Series:
    """The Argon2id PHC string of each non-null cell, each with its own salt; nulls stay null.

    ``workers`` processes hash in parallel (default: one per core); below
    ``IN_PROCESS_BELOW`` cells, with one worker, or inside a daemon process (a Dask worker,
    which may not start processes of its own), everything is hashed in this process.
    """
    params = params or Argon2Params()
    text = values.cast(pl.String)
    positions = text.is_not_null().arg_true()
    passwords = text.gather(positions).to_list()
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(passwords) < IN_PROCESS_BELOW or current_process().daemon:
        hashed = _hash_chunk(passwords, params)
    else:
        hashed = _in_workers(passwords, params, workers)
    result = pl.repeat(None, text.len(), dtype=pl.String, eager=True).alias(values.name)
    return result.scatter(positions, pl.Series(hashed, dtype=pl.String))


def _hash_chunk(passwords: list[str], params: Argon2Params) -> list[str]:
    """Argon2id of each password, in this process (the worker processes' task)."""
    hasher = PasswordHasher(**asdict(params), type=Type.ID)
    return [hasher.hash(password) for password in passwords]


def _in_workers(passwords: list[str], params: Argon2Params, workers: int) -> list[str]:
    # Chunks small enough to keep every worker busy to the end, large enough to cost little
    # to send. Workers are spawned, not forked: a fork of a process running Polars' thread pool
    # can deadlock. Passwords reach them through a pipe, never through a file.
    size = max(1, -(-len(passwords) // (workers * _CHUNKS_PER_WORKER)))
    chunks = [passwords[start : start + size] for start in range(0, len(passwords), size)]
    workers = min(workers, len(chunks))
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        done = pool.map(_hash_chunk, chunks, [params] * len(chunks))
        return [hashed for chunk in done for hashed in chunk]
