"""Inclusion proofs: one event shown to be in the signed log, without showing any other.

The controller asks for the proof of an event of their run; the document holds that event's
leaf, its position, the sibling hashes up to the root (RFC 9162 §2.1.3) and a checkpoint signed
by the audit key covering it. :func:`check_proof` needs nothing else — no store, no other
event — and the audit key's fingerprint (``sceau audit key``) says whose signature it is.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from sceau import b64
from sceau.audit.chain import inclusion_proof, leaf_hash, verify_inclusion
from sceau.audit.checkpoint import Checkpoint
from sceau.audit.entry import LoggedEvent, decode
from sceau.audit.key import fingerprint
from sceau.audit.sink import AuditLog
from sceau.errors import SceauError

FORMAT = "sceau-audit-inclusion-proof"


class ProofError(SceauError):
    """An inclusion proof cannot be made, or does not hold."""


def make_proof(log: AuditLog, seq: int) -> dict[str, Any]:
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
    return {
        "format": FORMAT,
        "entry": entry.decode(),
        "index": seq,
        "proof": [node.hex() for node in inclusion_proof(leaves, seq)],
        "checkpoint": covering.to_json(),
        "public_key": base64.b64encode(log.key.public_bytes).decode(),
    }


def check_proof(document: object, *, expected_fingerprint: str) -> LoggedEvent:
    """The event the proof shows, once everything in it checks; ProofError naming what does not."""
    try:
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError
        entry = str(document["entry"]).encode()
        index = int(document["index"])
        path = [bytes.fromhex(node) for node in document["proof"]]
        checkpoint = Checkpoint.from_json(document["checkpoint"])
        public_key = b64.decode(document["public_key"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise ProofError(
            "this is not an inclusion proof sceau wrote",
            hint="ask for a new one with sceau audit prove",
        ) from None
    if fingerprint(public_key) != expected_fingerprint.strip().lower():
        raise ProofError(
            "the proof is signed by another key than the one you expect",
            hint="compare with the fingerprint sceau audit key prints on the installation",
        )
    problem = checkpoint.problem(public_key)
    if problem is not None:
        raise ProofError(f"the proof's checkpoint is not genuine: {problem}")
    root = bytes.fromhex(checkpoint.root)
    if not verify_inclusion(leaf_hash(entry), index, checkpoint.size, path, root):
        raise ProofError(
            f"entry {index} is not in the log the checkpoint signs",
            hint="the entry or the proof was changed; ask for a new proof and compare",
        )
    event = decode(entry)
    if event.seq != index:
        raise ProofError(f"the entry says it is at position {event.seq}, not {index}")
    return event


def proof_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
