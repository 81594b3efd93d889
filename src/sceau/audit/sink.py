"""The audit log: the sink every room's events go to, and it fails closed.

Each event becomes a leaf of a Merkle log (:mod:`sceau.audit.chain`) in the state store, sealed
with the audit key, in the same transaction that moves the log's head. Every
``checkpoint_every`` entries, or when the last checkpoint is older than ``checkpoint_after``, a
signed checkpoint is added and published (:mod:`sceau.audit.export`). When any of it fails,
:meth:`AuditLog.record` raises :class:`StoreError` and the action that needed the event does not
happen: no audit, no service.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from sceau.audit.chain import Frontier, leaf_hash
from sceau.audit.checkpoint import Checkpoint
from sceau.audit.entry import LoggedEvent, decode, encode
from sceau.audit.key import AuditKey, load_audit_key
from sceau.events import Event
from sceau.store.engine import StoreError
from sceau.store.schema import audit_checkpoints, audit_entries, audit_head

if TYPE_CHECKING:
    from sceau.audit.export import Publisher
    from sceau.config import Settings

_HEAD = 1  # the head table's one row
_PLACE = struct.Struct(">Qq")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_READ_CHUNK = 20_000


def entry_seal(key: AuditKey, seq: int, at_us: int, leaf: bytes, name: str) -> bytes:
    """The seal binds an entry's place, its leaf hash and the index columns beside it."""
    return key.seal(_PLACE.pack(seq, at_us) + leaf + name.encode())


def micros(moment: datetime) -> int:
    """A time as whole microseconds since the epoch: the index column rules query by."""
    delta = _utc(moment) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def head_seal(key: AuditKey, size: int, frontier: bytes) -> bytes:
    return key.seal(b"head" + struct.pack(">Q", size) + frontier)


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; sceau writes UTC only."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class AuditLog:
    """Appends events as sealed Merkle leaves; reads them back for rules, exports and proofs."""

    def __init__(
        self,
        engine: Engine,
        key: AuditKey,
        *,
        origin: str = "sceau",
        checkpoint_every: int = 1000,
        checkpoint_after: timedelta = timedelta(minutes=60),
        publisher: Publisher | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.key = key
        self.origin = origin
        self.checkpoint_every = checkpoint_every
        self.checkpoint_after = checkpoint_after
        self.publisher = publisher
        self.clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine) -> AuditLog:
        from sceau.audit.export import publisher_for

        return cls(
            engine,
            load_audit_key(settings.audit_key_path),
            origin=settings.installation,
            checkpoint_every=settings.audit_checkpoint_every,
            checkpoint_after=timedelta(minutes=settings.audit_checkpoint_minutes),
            publisher=publisher_for(settings.audit_export),
        )

    # --- writing --------------------------------------------------------------------------

    def record(self, event: Event) -> None:
        """Append one event; raises StoreError if it is not durably in the log."""
        self.record_many((event,))

    def record_many(self, events: Sequence[Event]) -> None:
        """Append events in one transaction: all of them are in the log, or none."""
        signed: list[Checkpoint] = []
        try:
            with self.engine.begin() as connection:
                signed = self._append(connection, events)
        except _HeadAltered:
            self._refuse(events, "its head was changed outside sceau")
        except IntegrityError:
            self._refuse(events, "another writer moved the log at the same moment; retry")
        except SQLAlchemyError as error:
            self._refuse(events, type(error).__name__)
        if signed and self.publisher is not None:
            self.publisher.publish(self, signed)

    def checkpoint(self) -> Checkpoint | None:
        """Sign a checkpoint now if entries were added since the last one (and publish it)."""
        try:
            with self.engine.begin() as connection:
                size, frontier = self._lock_head(connection)
                last = self._last_checkpoint(connection)
                if last is not None and last.size == size:
                    return None
                made = self._sign(connection, last, size, frontier)
        except SQLAlchemyError as error:
            raise StoreError(
                f"cannot write an audit checkpoint ({type(error).__name__})",
                hint="check the state store, then run sceau audit verify",
            ) from None
        if self.publisher is not None:
            self.publisher.publish(self, [made])
        return made

    def _append(self, connection: Connection, events: Sequence[Event]) -> list[Checkpoint]:
        size, frontier = self._lock_head(connection)
        rows = []
        for offset, event in enumerate(events):
            seq = size + offset
            entry = encode(seq, event)
            leaf = leaf_hash(entry)
            frontier.push(leaf)
            at_us = micros(event.at)
            rows.append(
                {
                    "seq": seq,
                    "at_us": at_us,
                    "name": event.name,
                    "entry": entry,
                    "seal": entry_seal(self.key, seq, at_us, leaf, event.name),
                }
            )
        if rows:
            connection.execute(insert(audit_entries), rows)
        self._write_head(connection, frontier)
        last = self._last_checkpoint(connection)
        due = last is None or (
            frontier.size - last.size >= self.checkpoint_every
            or self.clock() - last.at >= self.checkpoint_after
        )
        return [self._sign(connection, last, frontier.size, frontier)] if due else []

    def _lock_head(self, connection: Connection) -> tuple[int, Frontier]:
        """The head, locked for this transaction (a write first, so SQLite takes its lock)."""
        touched = connection.execute(
            update(audit_head).where(audit_head.c.id == _HEAD).values(size=audit_head.c.size)
        )
        if touched.rowcount == 0:
            empty = Frontier()
            connection.execute(
                insert(audit_head).values(
                    id=_HEAD, size=0, frontier=b"", seal=head_seal(self.key, 0, b"")
                )
            )
            return 0, empty
        row = connection.execute(select(audit_head).where(audit_head.c.id == _HEAD)).one()
        if row.seal != head_seal(self.key, row.size, row.frontier):
            raise _HeadAltered
        return row.size, Frontier.from_bytes(row.size, row.frontier)

    def _write_head(self, connection: Connection, frontier: Frontier) -> None:
        data = frontier.to_bytes()
        connection.execute(
            update(audit_head)
            .where(audit_head.c.id == _HEAD)
            .values(
                size=frontier.size, frontier=data, seal=head_seal(self.key, frontier.size, data)
            )
        )

    def _sign(
        self, connection: Connection, last: Checkpoint | None, size: int, frontier: Frontier
    ) -> Checkpoint:
        made = Checkpoint.sign(
            self.key,
            origin=self.origin,
            number=1 if last is None else last.number + 1,
            size=size,
            root=frontier.root(),
            at=self.clock().astimezone(UTC),
        )
        connection.execute(
            insert(audit_checkpoints).values(
                number=made.number,
                size=made.size,
                root=made.root,
                at=made.at,
                body=made.body,
                signature=made.signature,
            )
        )
        return made

    def _last_checkpoint(self, connection: Connection) -> Checkpoint | None:
        row = connection.execute(
            select(audit_checkpoints).order_by(audit_checkpoints.c.number.desc()).limit(1)
        ).one_or_none()
        return None if row is None else _checkpoint(row)

    def _refuse(self, events: Sequence[Event], why: str) -> None:
        name = events[0].name if events else "event"
        raise StoreError(
            f"cannot record the event {name} in the audit trail ({why})",
            hint="the action was not carried out; check the state store and the audit key, "
            "then run sceau audit verify",
        ) from None

    # --- reading --------------------------------------------------------------------------

    def size(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(audit_entries)).scalar_one()

    def read(
        self,
        *,
        after: int = -1,
        since: datetime | None = None,
        names: Collection[str] | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[LoggedEvent]:
        """Events after position ``after`` (and from ``since``, of ``names``), oldest first."""
        for entry in self.entries(
            after=after, since=since, names=names, limit=limit, newest_first=newest_first
        ):
            yield decode(entry)

    def entries(
        self,
        *,
        after: int = -1,
        since: datetime | None = None,
        names: Collection[str] | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[bytes]:
        """The leaves themselves, byte for byte, selected as :meth:`read` selects events."""
        query = select(audit_entries.c.entry).where(audit_entries.c.seq > after)
        if since is not None:
            query = query.where(audit_entries.c.at_us >= micros(since))
        if names is not None:
            query = query.where(audit_entries.c.name.in_(list(names)))
        order = audit_entries.c.seq.desc() if newest_first else audit_entries.c.seq
        query = query.order_by(order).limit(limit)
        with self.engine.connect() as connection:
            result = connection.execution_options(yield_per=_READ_CHUNK).execute(query)
            for (entry,) in result:
                yield bytes(entry)

    def names(self) -> list[str]:
        """Every recorded event's name, oldest first (for reports and tests)."""
        with self.engine.connect() as connection:
            query = select(audit_entries.c.name).order_by(audit_entries.c.seq)
            return list(connection.execute(query).scalars())

    def checkpoints(self) -> list[Checkpoint]:
        with self.engine.connect() as connection:
            query = select(audit_checkpoints).order_by(audit_checkpoints.c.number)
            return [_checkpoint(row) for row in connection.execute(query)]


class _HeadAltered(SQLAlchemyError):
    """The head's seal does not match: someone wrote the table directly. Refuse to append."""

    def __init__(self) -> None:
        super().__init__("the audit head was altered")


def _checkpoint(row: object) -> Checkpoint:
    return Checkpoint(
        number=row.number,  # type: ignore[attr-defined]
        size=row.size,  # type: ignore[attr-defined]
        root=row.root,  # type: ignore[attr-defined]
        at=_utc(row.at),  # type: ignore[attr-defined]
        body=row.body,  # type: ignore[attr-defined]
        signature=row.signature,  # type: ignore[attr-defined]
    )
