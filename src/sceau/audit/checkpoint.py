"""Signed checkpoints: the log's size and root, signed by the audit key, kept in two places.

A checkpoint is stored beside the log and also exported, as it is signed, to a place the
database's administrators do not control (a file on another disk, a syslog collector). Rolling
the database back to an older copy, or cutting its tail, then contradicts the exported heads.
The body is plain text so that anyone can check it with the public key and nothing of sceau::

    sceau audit checkpoint v1
    <origin>
    <number>
    <size>
    <root, hex>
    <time, ISO 8601>
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sceau import b64
from sceau.audit.key import AuditKey, verify_signature
from sceau.errors import SceauError

HEADER = "sceau audit checkpoint v1"


class CheckpointError(SceauError):
    """A checkpoint, or the file of exported checkpoints, cannot be read."""


@dataclass(frozen=True)
class Checkpoint:
    number: int  # 1, 2, 3…: a replayed old checkpoint cannot take a new one's place
    size: int
    root: str  # hex
    at: datetime
    body: str
    signature: str  # base64

    @classmethod
    def sign(
        cls, key: AuditKey, *, origin: str, number: int, size: int, root: bytes, at: datetime
    ) -> Checkpoint:
        body = "\n".join((HEADER, origin, str(number), str(size), root.hex(), at.isoformat()))
        body += "\n"
        signature = base64.b64encode(key.sign(body.encode())).decode()
        return cls(number, size, root.hex(), at, body, signature)

    def problem(self, public_key: bytes) -> str | None:
        """Why this checkpoint cannot be trusted, or None: the signature, then the body's fields."""
        try:
            signature = b64.decode(self.signature)
        except (binascii.Error, ValueError):
            return "its signature is not base64"
        if not verify_signature(public_key, signature, self.body.encode()):
            return "its signature does not verify with the audit key"
        lines = self.body.split("\n")
        if len(lines) != 7 or lines[0] != HEADER:
            return "its signed body is not a sceau checkpoint"
        signed = (lines[2], lines[3], lines[4], lines[5])
        if signed != (str(self.number), str(self.size), self.root, self.at.isoformat()):
            return "its fields differ from what was signed"
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "size": self.size,
            "root": self.root,
            "at": self.at.isoformat(),
            "body": self.body,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        return cls(
            number=int(data["number"]),
            size=int(data["size"]),
            root=str(data["root"]),
            at=datetime.fromisoformat(data["at"]),
            body=str(data["body"]),
            signature=str(data["signature"]),
        )


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
            found.append(Checkpoint.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError):
            raise CheckpointError(
                "this line is not an exported checkpoint",
                hint="the file must hold the JSON lines sceau wrote; restore it from its copy",
                where=f"{path}:{number}",
            ) from None
    return found
