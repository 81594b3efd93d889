"""The audit trail, out of the state store: entries as JSON lines or syslog, checkpoints as signed.

An exported entry is its leaf, byte for byte, so a copy can be checked against the signed
checkpoints without sceau's database. Checkpoints are published the moment they are signed to
``audit_export``: a file (JSON lines, each holding one checkpoint's signed note; appended and
synced, caught up from the store if a publication was missed) or a syslog collector
(``udp://``, ``tcp://`` or ``tls://host:port``).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError

from sceau.audit.checkpoint import Checkpoint, exported_line, parse_exported
from sceau.audit.entry import decode
from sceau.errors import SceauError
from sceau.store.schema import audit_exports
from sceau.syslog import SyslogSender, format_message, origin

_FACILITY_AUDIT = 13  # "log audit"
_NOTICE, _INFO = 5, 6
SYSLOG_SCHEMES = ("udp://", "tcp://", "tls://")  # any other audit_export is a file


class ExportError(SceauError):
    """A checkpoint or an entry could not be exported."""


class SignedLog(Protocol):
    """What a publisher reads of the audit log (:class:`sceau.audit.sink.AuditLog` is one): its
    store, and the checkpoints signed so far."""

    @property
    def engine(self) -> Engine: ...

    def checkpoints(self) -> list[Checkpoint]: ...


class Publisher(Protocol):
    def publish(self, log: SignedLog, checkpoints: Sequence[Checkpoint]) -> None: ...


class FilePublisher:
    """Appends checkpoints to a JSON-lines file, with any the file missed, then syncs it.

    The first publication creates the file and notes in the store that the export started.
    From then on the file is what proves the store was not rolled back, so a missing one is
    never made up again from the store (which may be the rolled-back one): the action stops.
    """

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()

    def started(self, engine: Engine) -> bool:
        """Whether this file has received checkpoints before (so it must exist)."""
        with engine.connect() as connection:
            found = connection.execute(
                select(audit_exports.c.destination).where(
                    audit_exports.c.destination == str(self.path)
                )
            ).first()
        return found is not None

    def publish(self, log: SignedLog, checkpoints: Sequence[Checkpoint]) -> None:  # noqa: ARG002
        # the file catches up on every stored checkpoint, not only the new ones: a missed
        # publication is made good at the next
        try:
            existed = self.path.exists()
            if not existed and self.started(log.engine):
                raise ExportError(
                    "the file of exported checkpoints is missing",
                    hint="restore it from its copy: it is what shows the store was not rolled "
                    "back; until then every action that signs a checkpoint stops",
                    where=str(self.path),
                )
            stored = log.checkpoints()
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with self.path.open("a+", encoding="utf-8") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)  # two writers must not append the same one
                handle.seek(0)
                known = max((c.number for c in parse_exported(handle.read(), self.path)), default=0)
                for checkpoint in stored:
                    if checkpoint.number > known:
                        handle.write(exported_line(checkpoint) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            if not existed:
                with log.engine.begin() as connection:
                    connection.execute(
                        insert(audit_exports).values(
                            destination=str(self.path), started_at=datetime.now(UTC)
                        )
                    )
        except ExportError:
            raise
        except (OSError, SceauError, SQLAlchemyError) as error:
            reason = getattr(error, "strerror", None) or getattr(error, "message", None)
            raise ExportError(
                f"cannot publish the audit checkpoint ({reason or type(error).__name__})",
                hint="the action stopped; fix the export file (audit_export) and try again",
                where=str(self.path),
            ) from None


class SyslogPublisher:
    """Sends each checkpoint to a syslog collector as it is signed."""

    def __init__(self, address: str) -> None:
        self.address = address

    def publish(self, log: SignedLog, checkpoints: Sequence[Checkpoint]) -> None:  # noqa: ARG002
        # a collector is sent what was just signed; the log is the file publisher's need
        with SyslogSender(self.address) as sender:
            for checkpoint in checkpoints:
                sender.send(
                    format_message(
                        severity=_NOTICE,
                        facility=_FACILITY_AUDIT,
                        msgid="checkpoint",
                        structured=origin(),  # the checkpoint itself is the message
                        message=exported_line(checkpoint),
                        at=checkpoint.at,
                    )
                )


def publisher_for(destination: str) -> Publisher | None:
    """The publisher ``audit_export`` names: none, a syslog collector, or a file."""
    if not destination:
        return None
    if destination.startswith(SYSLOG_SCHEMES):
        return SyslogPublisher(destination)
    path = Path(destination).expanduser()
    if not path.is_absolute():  # "siem:514" is not a collector, and "out.jsonl" moves with cwd
        raise ExportError(
            "audit_export must be an absolute file path or a syslog address",
            hint="for example /mnt/siem/sceau-checkpoints.jsonl or tcp://siem.example:6514",
            where="audit_export",
        )
    return FilePublisher(path)


def write_json_lines(entries: Iterable[bytes], out: IO[bytes]) -> int:
    """Each entry's leaf bytes on a line of its own; returns how many were written."""
    count = 0
    for entry in entries:
        out.write(entry + b"\n")
        count += 1
    return count


def send_syslog(entries: Iterable[bytes], address: str) -> int:
    """Each entry as an RFC 5424 message to the collector; returns how many were sent."""
    count = 0
    with SyslogSender(address) as sender:
        for entry in entries:
            event = decode(entry)
            sender.send(
                format_message(
                    severity=_NOTICE
                    if event.name.endswith(("failed", "refused", "denied"))
                    else _INFO,
                    facility=_FACILITY_AUDIT,
                    msgid=event.name,
                    structured=origin(),  # the entry itself is the message
                    message=entry.decode(),
                    at=event.at,
                )
            )
            count += 1
    return count
