"""The cosignatures the service keeps: which witness vouched for which checkpoint.

The lab's witness hands back each checkpoint it accepts with its cosignature. The service keeps
the line beside the checkpoint, once it verifies over that checkpoint's signed text, so that
``sceau audit verify`` can say how far the trail is witnessed, and name a stored checkpoint that
is no longer the one a witness cosigned (the store's was replaced since).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert

from sceau.audit.checkpoint import Checkpoint
from sceau.audit.cosignature import Cosignature, CosignatureError, Cosigner, parse_line
from sceau.audit.sink import AuditLog
from sceau.audit.witness import WitnessError
from sceau.crypto.note import SIGNATURE_PREFIX, NoteError, split
from sceau.store.schema import audit_cosignatures


@dataclass(frozen=True)
class Witnessed:
    """The largest checkpoint a witness cosigned, as the store holds it."""

    witness: str
    key: str  # the witness's verifier key
    number: int
    size: int
    at: datetime  # when the witness cosigned it


def record_cosignature(log: AuditLog, note: str, witness: Cosigner) -> Witnessed:
    """Keep ``witness``'s cosignature from a cosigned checkpoint note, once it verifies over a
    checkpoint of this trail; WitnessError (or CosignatureError) saying what does not hold."""
    try:
        text, signatures = split(note)
    except NoteError:
        raise WitnessError(
            "this is not a cosigned checkpoint",
            hint="give the file sceau audit witness check --out wrote",
        ) from None
    found = [c for c in _parsed(signatures) if (c.name, c.key_id) == (witness.name, witness.key_id)]
    if not found:
        raise WitnessError(
            f"the checkpoint carries no cosignature by the witness {witness.name} with this key",
            hint="check --witness-key: the key sceau audit witness init printed for the lab",
        )
    cosignature = found[-1]
    witness.verify(text, cosignature)
    stored = next((c for c in log.checkpoints() if c.body == text), None)
    if stored is None:
        raise WitnessError(
            "the cosigned checkpoint is not one of this trail's",
            hint="it was signed by another installation, or this trail's was replaced since",
        )
    row = {
        "witness_key": str(witness),
        "number": stored.number,
        "witness": witness.name,
        "size": stored.size,
        "line": cosignature.line.removesuffix("\n"),
        "recorded_at": datetime.now(UTC),
    }
    with log.engine.begin() as connection:  # a newer cosignature of the same one replaces it
        connection.execute(
            delete(audit_cosignatures).where(
                audit_cosignatures.c.witness_key == row["witness_key"],
                audit_cosignatures.c.number == stored.number,
            )
        )
        connection.execute(insert(audit_cosignatures).values(**row))
    return Witnessed(witness.name, str(witness), stored.number, stored.size, _at(cosignature))


def check_cosignatures(
    rows: Iterable[Any], stored: Sequence[Checkpoint]
) -> tuple[list[Witnessed], list[tuple[str, str]]]:
    """How far each witness vouches for the stored checkpoints, and (position, reason) for each
    stored cosignature that no longer matches its checkpoint."""
    by_number = {c.number: c for c in stored}
    best: dict[str, Witnessed] = {}
    problems: list[tuple[str, str]] = []
    for row in rows:
        position = f"checkpoint {row.number}"
        checkpoint = by_number.get(row.number)
        try:
            witness, cosignature = Cosigner.parse(row.witness_key), parse_line(row.line)
            if checkpoint is None:
                problems.append(
                    (position, f"the witness {row.witness} cosigned it, but it is gone")
                )
                continue
            witness.verify(checkpoint.body, cosignature)
        except CosignatureError:
            problems.append(
                (
                    position,
                    f"it differs from the one the witness {row.witness} cosigned: the store's "
                    "was replaced",
                )
            )
            continue
        made = Witnessed(witness.name, str(witness), row.number, checkpoint.size, _at(cosignature))
        if made.key not in best or best[made.key].size < made.size:
            best[made.key] = made
    return sorted(best.values(), key=lambda w: w.witness), problems


def _parsed(signatures: Iterable[tuple[str, str]]) -> list[Cosignature]:
    found = []
    for name, encoded in signatures:
        try:
            found.append(parse_line(f"{SIGNATURE_PREFIX}{name} {encoded}"))
        except CosignatureError:
            continue  # the log's own signature, or another kind: not a cosignature
    return found


def _at(cosignature: Cosignature) -> datetime:
    return datetime.fromtimestamp(min(cosignature.timestamp, 253402300799), UTC)
