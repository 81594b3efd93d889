"""``sceau audit verify``: recompute the whole log and say exactly where it was tampered with.

Every entry's seal is checked against its place, time, name and leaf hash, so a changed byte, an
inserted, moved or swapped entry is named by its position; a gap in the positions is a deletion.
The Merkle tree is rebuilt as the entries stream by, and its root at each checkpoint's size must
equal the signed root: successive checkpoints are then consistent by construction (each tree is
a prefix of the next). The head (sealed) and the checkpoints — those in the store and, when
given, those exported elsewhere — tell a cut tail or a database rolled back to an older copy.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from sqlalchemy import Connection, Engine, select

from sceau.audit.chain import EMPTY_ROOT, Frontier
from sceau.audit.checkpoint import Checkpoint
from sceau.audit.cosigned import Witnessed, check_cosignatures
from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog, checkpoint_from_row, entry_sealer, head_seal
from sceau.store.schema import audit_checkpoints, audit_cosignatures, audit_head

_FETCH = 1_000  # rows per fetch: larger chunks were slower (bench/audit.py), not faster
_KEEP = 20  # problems listed after the first; the first is what matters


@dataclass(frozen=True)
class Problem:
    position: str  # "entry 41", "checkpoint 3", "head", "exported checkpoint 7"
    reason: str

    def __str__(self) -> str:
        return f"{self.position}: {self.reason}"


@dataclass
class Verification:
    size: int = 0  # entries read
    checkpoints: int = 0  # signed checkpoints in the store (exported ones are matched to them)
    problems: list[Problem] = field(default_factory=list)
    witnessed: list[Witnessed] = field(default_factory=list)  # how far each witness vouches
    kept: list[bytes] = field(default_factory=list)  # leaves of the names asked for, in order

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def add(self, position: str, reason: str) -> None:
        if len(self.problems) <= _KEEP:
            self.problems.append(Problem(position, reason))


def verify_log(
    log: AuditLog,
    *,
    exported: Sequence[Checkpoint] = (),
    export_expected: bool = False,
    progress: Callable[[int], None] | None = None,
    keep: Collection[str] = (),
) -> Verification:
    """Check every entry, the head and every checkpoint of ``log``; never raises on tampering.

    Everything is read in one snapshot of the store, so appends made meanwhile are not mistaken
    for tampering. ``export_expected``: the settings name an export file, so its absence while
    the store holds checkpoints is itself a finding. ``keep``: event names whose leaves are
    handed back in ``kept``, read in the same pass and snapshot as they were checked.
    """
    result = Verification()
    key = log.key
    with _snapshot(log.engine) as connection:
        head = connection.execute(select(audit_head)).one_or_none()
        stored = [
            checkpoint_from_row(row)
            for row in connection.execute(
                select(audit_checkpoints).order_by(audit_checkpoints.c.number)
            )
        ]
        cosigned = list(connection.execute(select(audit_cosignatures)))
        wanted = {c.size for c in (*stored, *exported)}
        signatures = Verification()
        # Ed25519 checks release the GIL: they run beside the replay, on the second core
        with ThreadPoolExecutor(max_workers=1) as pool:
            checking = pool.submit(_check_signatures, signatures, key, stored, exported)
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                roots, frontier, broken = _replay(result, cursor, key, wanted, progress, keep)
            finally:
                cursor.close()
            checking.result()
    for problem in signatures.problems:
        result.add(problem.position, problem.reason)
    result.size = frontier.size
    _check_head(result, head, key, frontier)
    for label, checkpoints in (("checkpoint", stored), ("exported checkpoint", exported)):
        for checkpoint in checkpoints:
            _check_root(result, f"{label} {checkpoint.number}", checkpoint, roots, frontier, broken)
    _check_export(result, stored, exported, export_expected)
    result.witnessed, mismatches = check_cosignatures(cosigned, stored)
    for position, reason in mismatches:
        result.add(position, reason)
    result.checkpoints = len(stored)
    result.problems.sort(key=_order)
    return result


@contextlib.contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that sees the store as of one instant until it is closed."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            connection.exec_driver_sql("SELECT 1")  # the snapshot starts here
        elif engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")  # WAL: readers keep their snapshot
        try:
            yield connection
        finally:
            connection.rollback()


def _check_export(
    result: Verification,
    stored: Sequence[Checkpoint],
    exported: Sequence[Checkpoint],
    export_expected: bool,
) -> None:
    """The exported checkpoints and the store's must tell the same story, number for number."""
    if export_expected and stored and not exported:
        result.add(
            "exported checkpoints",
            f"missing: the export holds none, the store {len(stored)}; the file was removed "
            "or emptied, and nothing now shows the store was not rolled back",
        )
    if exported and stored and exported[-1].number > stored[-1].number:
        result.add(
            f"checkpoint {exported[-1].number}",
            "it was exported but is missing from the store: the store was rolled back",
        )
    elif exported and not stored:
        result.add("checkpoint 1", "checkpoints were exported but the store holds none")
    by_number = {c.number: c for c in stored}
    for checkpoint in exported:
        twin = by_number.get(checkpoint.number)
        if twin is not None and (twin.size, twin.root) != (checkpoint.size, checkpoint.root):
            result.add(
                f"checkpoint {checkpoint.number}",
                "it differs from the one exported under its number: the store's was replaced",
            )


def _order(problem: Problem) -> tuple[int, int]:
    """Entries first, by position; then the head and checkpoints (their cause is an entry)."""
    kind, _, number = problem.position.rpartition(" ")
    rank = {"entry": 0, "": 1}.get(kind, 2)
    return rank, int(number) if number.isdigit() else 0


def _check_signatures(
    result: Verification,
    key: AuditKey,
    stored: Sequence[Checkpoint],
    exported: Sequence[Checkpoint],
) -> None:
    public = key.public_bytes
    for label, checkpoints in (("checkpoint", stored), ("exported checkpoint", exported)):
        previous: Checkpoint | None = None
        for place, checkpoint in enumerate(checkpoints, start=1):
            position = f"{label} {place}"
            problem = checkpoint.problem(public)
            if problem is not None:
                result.add(position, f"forged: {problem}")
            elif checkpoint.number != place:
                result.add(
                    position,
                    f"it is checkpoint {checkpoint.number} replayed out of its place",
                )
            elif previous is not None and checkpoint.size <= previous.size:
                result.add(position, "it does not extend the checkpoint before it (replayed)")
            previous = checkpoint


def _replay(
    result: Verification,
    cursor: Any,
    key: AuditKey,
    wanted: set[int],
    progress: Callable[[int], None] | None,
    keep: Collection[str] = (),
) -> tuple[dict[int, bytes], Frontier, int | None]:
    """Stream the entries in order: check seals, rebuild the tree, keep roots at ``wanted`` sizes.

    Returns the roots, the final frontier and the first position at which the sequence itself
    broke (a gap), after which roots no longer describe the original log.
    """
    roots: dict[int, bytes] = {0: EMPTY_ROOT} if 0 in wanted else {}
    marks = sorted((size for size in wanted if size > 0), reverse=True)  # smallest last
    frontier = Frontier()
    sealed = entry_sealer(key)
    broken: int | None = None
    expected = 0
    cursor.execute("SELECT seq, at_us, name, entry, seal FROM audit_entries ORDER BY seq")
    while rows := cursor.fetchmany(_FETCH):
        try:
            leaves = [sha256(b"\x00" + row[3]).digest() for row in rows]
            seals = [
                sealed(seq, at_us, leaf, name)
                for (seq, at_us, name, _, _), leaf in zip(rows, leaves, strict=True)
            ]
        except (TypeError, ValueError, OverflowError, struct.error):
            rows, leaves, seals = _readable(result, rows, sealed)  # a row sceau never wrote
        if rows:
            # Positions are the primary key, read in order: first and last in place, none missing.
            in_place = rows[0][0] == expected and rows[-1][0] - expected == len(rows) - 1
            if in_place and seals == [row[4] for row in rows]:  # bytes, or a driver's memoryview
                expected += len(rows)
            else:
                expected, broken = _name_problems(result, rows, seals, expected, broken)
            _grow(frontier, leaves, marks, roots)
            if keep:
                result.kept.extend(bytes(row[3]) for row in rows if row[2] in keep)
        if progress is not None:
            progress(len(rows))
    return roots, frontier, broken


def _readable(
    result: Verification, rows: Sequence[Sequence[Any]], sealed: Callable[..., bytes]
) -> tuple[list[Sequence[Any]], list[bytes], list[bytes]]:
    """The rows of a chunk that have the types sceau writes; the others are named and dropped."""
    kept, leaves, seals = [], [], []
    for row in rows:
        seq, at_us, name, entry, _ = row
        try:
            leaf = sha256(b"\x00" + bytes(entry)).digest()
            seals.append(sealed(seq, at_us, leaf, name))
        except (TypeError, ValueError, OverflowError, struct.error):
            position = f"entry {seq}" if isinstance(seq, int) and seq >= 0 else "entry 0"
            result.add(
                position, "inserted: a row sceau cannot have written (wrong position or types)"
            )
            continue
        kept.append(row)
        leaves.append(leaf)
    return kept, leaves, seals


def _name_problems(
    result: Verification,
    rows: Sequence[Sequence[Any]],
    seals: list[bytes],
    expected: int,
    broken: int | None,
) -> tuple[int, int | None]:
    """Walk rows in which something is wrong, naming each gap and each bad seal in order."""
    for (seq, _, _, _, seal), made in zip(rows, seals, strict=True):
        if seq != expected:
            result.add(f"entry {expected}", f"missing: {seq - expected} deleted here")
            broken = expected if broken is None else broken
            expected = seq
        if made != seal:
            result.add(
                f"entry {seq}",
                "altered: its content, time or name changed, or it was inserted or moved here",
            )
        expected += 1
    return expected, broken


def _grow(
    frontier: Frontier, leaves: list[bytes], marks: list[int], roots: dict[int, bytes]
) -> None:
    """Add ``leaves`` to the tree, keeping its root at each size in ``marks`` passed on the way
    (``marks`` in descending order; those reached are taken off it)."""
    start, end = 0, frontier.size + len(leaves)
    while marks and marks[-1] <= end:
        mark = marks.pop()
        cut = start + mark - frontier.size
        frontier.extend(leaves[start:cut])
        roots[mark] = frontier.root()
        start = cut
    frontier.extend(leaves[start:])


def _check_head(result: Verification, head: Any, key: AuditKey, frontier: Frontier) -> None:
    if head is None:
        if frontier.size:
            result.add("head", "missing: the log's head was deleted")
        return
    try:
        genuine = bytes(head.seal) == head_seal(key, head.size, bytes(head.frontier))
    except (TypeError, ValueError, OverflowError, struct.error):
        genuine = False
    if not genuine:
        result.add("head", "altered: its seal does not match")
    elif head.size > frontier.size:
        result.add(
            f"entry {frontier.size}",
            f"missing: the log ends here but its head counts {head.size} entries (tail cut)",
        )
    elif head.size < frontier.size:
        result.add(f"entry {head.size}", "inserted: the log holds entries past its head")


def _check_root(
    result: Verification,
    position: str,
    checkpoint: Checkpoint,
    roots: dict[int, bytes],
    frontier: Frontier,
    broken: int | None,
) -> None:
    if checkpoint.size > frontier.size:
        result.add(
            f"entry {frontier.size}",
            f"missing: {position} covers {checkpoint.size} entries, the log holds "
            f"{frontier.size} (tail cut or store rolled back)",
        )
    elif broken is not None and checkpoint.size > broken:
        return  # the gap is the problem reported; later roots cannot match
    elif roots.get(checkpoint.size, b"").hex() != checkpoint.root:
        result.add(position, "its signed root does not match the entries it covers")
