"""Proofs a controller, a witness or a monitor checks with the audit key and nothing of sceau.

An **inclusion proof** shows one event is in the signed log without showing any other: it is a
C2SP proof (https://c2sp.org/tlog-proof) — the event's position, the sibling hashes up to the
root (RFC 9162 §2.1.3), a checkpoint covering it — with the event itself as its ``extra`` data.
A **consistency proof** shows a later checkpoint's log extends an earlier one's, entry for entry
(RFC 9162 §2.1.4), so whoever kept the earlier checkpoint can follow the log without reading it.
Both are checked against a pinned verifier key (``sceau audit key``), never a key they carry.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from sceau import b64
from sceau.audit.chain import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from sceau.audit.checkpoint import Checkpoint, decimal
from sceau.audit.entry import LoggedEvent, decode
from sceau.audit.sink import AuditLog
from sceau.crypto.note import NoteError, Verifier, open_note
from sceau.errors import SceauError

INCLUSION = "c2sp.org/tlog-proof@v1"
CONSISTENCY = "sceau.audit/consistency-proof@v1"


class ProofError(SceauError):
    """A proof cannot be made, or does not hold."""


def make_proof(log: AuditLog, seq: int) -> str:
    """The proof that entry ``seq`` is in the log, against the first checkpoint covering it."""
    covering = next((c for c in log.checkpoints() if c.size > seq), None)
    if covering is None:
        covering = log.checkpoint()  # sign one now: the entry is newer than every checkpoint
    if covering is None or covering.size <= seq or seq < 0:
        raise ProofError(
            f"there is no entry {seq} in the audit trail",
            hint="sceau audit tail lists the latest entries and their positions",
        )
    leaves = [leaf_hash(entry) for entry in log.entries(limit=covering.size)]
    (entry,) = list(log.entries(after=seq - 1, limit=1))  # read to the end: the cursor closes
    extra = base64.b64encode(entry).decode()
    path = _hash_lines(inclusion_proof(leaves, seq))
    return f"{INCLUSION}\nextra {extra}\nindex {seq}\n{path}\n{covering.note}"


def make_consistency(log: AuditLog, old_number: int, new_number: int) -> str:
    """The proof that checkpoint ``new_number``'s log extends checkpoint ``old_number``'s."""
    signed = {c.number: c for c in log.checkpoints()}
    for number in (old_number, new_number):
        if number not in signed:
            raise ProofError(
                f"there is no checkpoint {number}",
                hint=f"the trail has checkpoints 1 to {len(signed)}; sceau audit checkpoint "
                "signs one now",
            )
    if old_number > new_number:
        raise ProofError(
            "the old checkpoint must come before the new one",
            hint=f"try sceau audit prove-consistency {new_number} {old_number}",
        )
    old, new = signed[old_number], signed[new_number]
    leaves = [leaf_hash(entry) for entry in log.entries(limit=new.size)]
    path = _hash_lines(consistency_proof(leaves, old.size))
    return f"{CONSISTENCY}\n{path}\n{old.note}\n{new.note}"


def check_proof(text: str, *, verifier: Verifier) -> tuple[LoggedEvent, Checkpoint]:
    """The event an inclusion proof shows and its checkpoint, once everything in it checks."""
    head, note = _split_header(text, INCLUSION, "prove")
    lines = head.split("\n")[1:]
    try:
        extra, index_line, *hashes = lines
        if not extra.startswith("extra ") or not index_line.startswith("index "):
            raise ValueError
        entry = b64.decode(extra.removeprefix("extra "))
        index = decimal(index_line.removeprefix("index "), 0)
        path = _hashes(hashes)
    except ValueError:
        raise _unreadable("prove") from None
    checkpoint = _genuine(note, verifier, "the proof's")
    if not verify_inclusion(leaf_hash(entry), index, checkpoint.size, path, _root(checkpoint)):
        raise ProofError(
            f"entry {index} is not in the log the checkpoint signs",
            hint="the entry or the proof was changed; ask for a new proof and compare",
        )
    event = decode(entry)
    if event.seq != index:
        raise ProofError(f"the entry says it is at position {event.seq}, not {index}")
    return event, checkpoint


def check_consistency(text: str, *, verifier: Verifier) -> tuple[Checkpoint, Checkpoint]:
    """The two checkpoints a consistency proof links, once the later is shown to extend the
    earlier; ProofError naming what does not hold."""
    head, notes = _split_header(text, CONSISTENCY, "prove-consistency")
    parts = notes.split("\n\n")
    if len(parts) != 4:
        raise _unreadable("prove-consistency")
    try:
        path = _hashes(head.split("\n")[1:])
    except ValueError:
        raise _unreadable("prove-consistency") from None
    old = _genuine(f"{parts[0]}\n\n{parts[1]}\n", verifier, "the old")
    new = _genuine(f"{parts[2]}\n\n{parts[3]}", verifier, "the new")
    if not verify_consistency(old.size, new.size, _root(old), _root(new), path):
        raise ProofError(
            f"checkpoint {new.number} does not extend checkpoint {old.number}: the log was "
            "rewritten between them, or the proof was changed",
            hint="ask for a new proof; if it fails too, keep both checkpoints and raise it with "
            "your security officer",
        )
    return old, new


def _hash_lines(hashes: Sequence[bytes]) -> str:
    return "".join(base64.b64encode(node).decode() + "\n" for node in hashes)


def _hashes(lines: Sequence[str]) -> list[bytes]:
    path = [b64.decode(line) for line in lines]
    if any(len(node) != 32 for node in path):
        raise ValueError("a hash is 32 bytes")
    return path


def _root(checkpoint: Checkpoint) -> bytes:
    return bytes.fromhex(checkpoint.root)


def _split_header(text: str, header: str, command: str) -> tuple[str, str]:
    """The proof's lines before its first blank line, and the checkpoint note(s) after it."""
    head, found, rest = text.partition("\n\n")
    if not found or head.split("\n", 1)[0] != header:
        raise _unreadable(command)
    return head, rest


def _unreadable(command: str) -> ProofError:
    return ProofError(
        "this is not a proof sceau wrote, or it was cut or changed",
        hint=f"ask for a new one with sceau audit {command}",
    )


def _genuine(note: str, verifier: Verifier, which: str) -> Checkpoint:
    """The checkpoint a note holds, signed by the pinned key with every field as signed."""
    try:
        open_note(note, verifier)
    except NoteError:
        raise ProofError(
            f"{which} checkpoint is not signed by the key you pinned",
            hint="compare with the verifier key sceau audit key prints on the installation",
        ) from None
    try:
        checkpoint = Checkpoint.from_note(note)
    except ValueError:
        raise ProofError(f"{which} checkpoint is not one sceau signs") from None
    problem = checkpoint.problem(verifier.public_key)
    if problem is not None:
        raise ProofError(f"{which} checkpoint is not genuine: {problem}")
    return checkpoint
