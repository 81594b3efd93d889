"""Signed checkpoints: the log's size and root, signed by the audit key, kept in two places.

A checkpoint is stored beside the log and also exported, as it is signed, to a place the
database's administrators do not control (a file on another disk, a syslog collector). Rolling
the database back to an older copy, or cutting its tail, then contradicts the exported heads.
It is a C2SP checkpoint (https://c2sp.org/tlog-checkpoint), a signed note whose key name is the
origin, so Go's ``golang.org/x/mod/sumdb/note`` or any witness reads it without sceau::

    <origin>
    <size>
    <root, base64>
    number <1, 2, 3…>
    time <ISO 8601, UTC>

    — <origin> <base64 of key hash and signature>
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sceau import b64
from sceau.audit.key import AuditKey
from sceau.crypto.note import (
    NoteError,
    Verifier,
    open_note,
    sign,
    signature_line,
    split,
    valid_name,
)
from sceau.errors import SceauError

OLD_HEADER = "sceau audit checkpoint v1"  # what sceau wrote before checkpoints were notes


class CheckpointError(SceauError):
    """A checkpoint, or the file of exported checkpoints, cannot be read."""


@dataclass(frozen=True)
class Fields:
    """What a checkpoint's note text says."""

    origin: str
    size: int
    root: bytes
    number: int  # 1, 2, 3…: a replayed old checkpoint cannot take a new one's place
    at: datetime


def format_body(fields: Fields) -> str:
    lines = (
        fields.origin,
        str(fields.size),
        base64.b64encode(fields.root).decode(),
        f"number {fields.number}",
        f"time {fields.at.isoformat()}",
    )
    return "\n".join(lines) + "\n"


def parse_body(text: str) -> Fields:
    """The fields of a checkpoint's note text; ValueError if it is not one sceau signs."""
    lines = text.split("\n")
    if len(lines) != 6 or lines[-1]:
        raise ValueError("a checkpoint is five lines")
    origin, size, root, numbered, timed = lines[:5]
    label, _, number = numbered.partition(" ")
    also, _, at = timed.partition(" ")
    if (label, also) != ("number", "time") or not valid_name(origin):
        raise ValueError("not the lines of a sceau checkpoint")
    return Fields(origin, decimal(size, 0), _hash(root), decimal(number, 1), _time(at))


@dataclass(frozen=True)
class Checkpoint:
    number: int
    size: int
    root: str  # hex
    at: datetime
    body: str  # the note text, byte for byte as signed
    signature: str  # base64 of the key hash and the Ed25519 signature: the audit key's line

    @classmethod
    def sign(
        cls, key: AuditKey, *, origin: str, number: int, size: int, root: bytes, at: datetime
    ) -> Checkpoint:
        body = format_body(Fields(origin, size, root, number, at))
        signature = sign(body, origin, key.public_bytes, key.sign)
        return cls(number, size, root.hex(), at, body, signature)

    @property
    def origin(self) -> str:
        return self.body.split("\n", 1)[0]

    @property
    def note(self) -> str:
        """The signed note, as Go's ``note.Open`` and every C2SP tool read it."""
        return f"{self.body}\n{signature_line(self.origin, self.signature)}"

    def problem(self, public_key: bytes) -> str | None:
        """Why this checkpoint cannot be trusted, or None: the signature, then the body's fields."""
        if self.body.startswith(OLD_HEADER):
            return "it is in the format of sceau before checkpoints were signed notes"
        try:
            open_note(self.note, Verifier(self.origin, public_key))
        except NoteError:
            return "its signature does not verify with the audit key"
        try:
            signed = parse_body(self.body)
        except ValueError:
            return "its signed body is not a sceau checkpoint"
        if (signed.number, signed.size, signed.root.hex(), signed.at) != (
            self.number,
            self.size,
            self.root,
            self.at,
        ):
            return "its fields differ from what was signed"
        return None

    @classmethod
    def from_note(cls, note: str) -> Checkpoint:
        """A checkpoint from its note (signature not checked yet); ValueError if not one."""
        try:
            text, signatures = split(note)
        except NoteError as error:
            raise ValueError(error.message) from None
        fields = parse_body(text)
        mine = [encoded for name, encoded in signatures if name == fields.origin]
        if not mine:
            raise ValueError("the note has no signature under its origin")
        return cls(fields.number, fields.size, fields.root.hex(), fields.at, text, mine[0])


def exported_line(checkpoint: Checkpoint) -> str:
    """One line of an export: the note, whole, as a JSON string."""
    return json.dumps({"note": checkpoint.note}, ensure_ascii=False)


def read_exported(path: Path) -> list[Checkpoint]:
    """Checkpoints from a file of exported ones (JSON lines), in file order."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise CheckpointError(
            f"cannot read the exported checkpoints ({reason})",
            hint="give the file sceau exported its checkpoints to (audit_export in the settings)",
            where=str(path),
        ) from None
    return parse_exported(text, path)


def parse_exported(text: str, path: Path) -> list[Checkpoint]:
    """Checkpoints from the text of an export file; CheckpointError names a bad line."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if isinstance(data, dict) and "note" not in data and "body" in data:
                raise CheckpointError(
                    "this line is a checkpoint in the format of sceau before checkpoints were "
                    "signed notes, which this version does not read",
                    hint="keep this file as it is, with the sceau that wrote it to check it; "
                    "point audit_export at a new file and run sceau audit checkpoint",
                    where=f"{path}:{number}",
                )
            found.append(Checkpoint.from_note(data["note"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise CheckpointError(
                "this line is not an exported checkpoint",
                hint="the file must hold the JSON lines sceau wrote; restore it from its copy",
                where=f"{path}:{number}",
            ) from None
    return found


def decimal(text: str, minimum: int) -> int:
    """A whole number written as C2SP writes one: ASCII digits, no leading zero."""
    if not text.isascii() or not text.isdigit() or str(int(text)) != text:
        raise ValueError("not a decimal without leading zeros")
    value = int(text)
    if value < minimum:
        raise ValueError("out of range")
    return value


def _hash(text: str) -> bytes:
    value = b64.decode(text)
    if len(value) != 32:
        raise ValueError("a root is 32 bytes")
    return value


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None or moment.isoformat() != text:
        raise ValueError("not an ISO 8601 time with its zone")
    return moment
