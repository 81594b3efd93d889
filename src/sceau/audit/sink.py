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
from hashlib import blake2b
from typing import TYPE_CHECKING, TypedDict, Unpack

from sqlalchemy import Connection, Dialect, Engine, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from sceau.audit.chain import Frontier, leaf_hash
from sceau.audit.checkpoint import Checkpoint
from sceau.audit.entry import LoggedEvent, decode, encode
from sceau.audit.export import Publisher, publisher_for
from sceau.audit.key import AuditKey, AuditKeyError, default_origin, load_audit_key
from sceau.crypto.note import Verifier, valid_name
from sceau.errors import SceauError
from sceau.events import Event
from sceau.store.errors import StoreError
from sceau.store.schema import audit_checkpoints, audit_entries, audit_head

if TYPE_CHECKING:
    from sceau.config import Settings

_HEAD = 1  # the head table's one row
_PLACE = struct.Struct(">Qq")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_READ_CHUNK = 20_000
_ENTRY_COLUMNS = ("seq", "at_us", "name", "entry", "seal")

# Every append runs these: built once, each is compiled and cache-keyed once (bench/audit.py).
_TOUCH_HEAD = update(audit_head).where(audit_head.c.id == _HEAD).values(size=audit_head.c.size)
_READ_HEAD = select(audit_head).where(audit_head.c.id == _HEAD)
_WRITE_HEAD = (
    update(audit_head)
    .where(audit_head.c.id == _HEAD)
    .values(
        size=bindparam("new_size"), frontier=bindparam("new_frontier"), seal=bindparam("new_seal")
    )
)
_LAST_CHECKPOINT = select(audit_checkpoints).order_by(audit_checkpoints.c.number.desc()).limit(1)


def entry_seal(key: AuditKey, seq: int, at_us: int, leaf: bytes, name: str) -> bytes:
    """The seal binds an entry's place, its leaf hash and the index columns beside it."""
    return key.seal(_PLACE.pack(seq, at_us) + leaf + name.encode())


def entry_sealer(key: AuditKey) -> Callable[[int, int, bytes, str], bytes]:
    """:func:`entry_seal` for many entries: the keyed BLAKE2b state is set up once and copied
    for each entry, which costs a third of keying it anew (the seals are the same bytes)."""
    keyed = blake2b(key=key.seal_key, digest_size=32)
    copy, pack = keyed.copy, _PLACE.pack

    def seal(seq: int, at_us: int, leaf: bytes, name: str) -> bytes:
        state = copy()
        state.update(pack(seq, at_us) + leaf + name.encode())
        return state.digest()

    return seal


def micros(moment: datetime) -> int:
    """A time as whole microseconds since the epoch: the index column rules query by."""
    return (_utc(moment) - _EPOCH) // _MICROSECOND


def head_seal(key: AuditKey, size: int, frontier: bytes) -> bytes:
    return key.seal(b"head" + struct.pack(">Q", size) + frontier)


def _utc(moment: datetime) -> datetime:
    """An event's time in UTC (events are made aware; this only normalises the zone)."""
    if moment.tzinfo is UTC:
        return moment
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Selection(TypedDict, total=False):
    """Which entries a reader wants: after a position, from a time, of some names, how many."""

    after: int
    since: datetime | None
    names: Collection[str] | None
    limit: int | None
    newest_first: bool


class AuditLog:
    """Appends events as sealed Merkle leaves; reads them back for rules, exports and proofs."""

    def __init__(
        self,
        engine: Engine,
        key: AuditKey,
        *,
        origin: str = "",
        checkpoint_every: int = 1000,
        checkpoint_after: timedelta = timedelta(minutes=60),
        publisher: Publisher | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.key = key
        self.origin = origin or default_origin(key.public_bytes)
        if not valid_name(self.origin):
            raise SceauError(
                "the audit origin cannot hold spaces or '+'",
                hint="name the log like a URL without its scheme, e.g. lab.example/sceau-audit",
                where="audit_origin",
            )
        self.checkpoint_every = checkpoint_every
        self.checkpoint_after = checkpoint_after
        self.publisher = publisher
        self.clock = clock
        self._insert_entries = _EntryInsert(engine.dialect)

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine) -> AuditLog:
        path = settings.audit_key_path
        if not path.exists() and _has_entries(engine):
            raise AuditKeyError(
                "the audit key is missing, yet the trail already holds entries",
                hint="restore the key from your backup; a new key could neither extend nor "
                "check this trail",
                where=str(path),
            )
        return cls(
            engine,
            load_audit_key(path),
            origin=settings.audit_origin,
            checkpoint_every=settings.audit_checkpoint_every,
            checkpoint_after=timedelta(minutes=settings.audit_checkpoint_minutes),
            publisher=publisher_for(settings.audit_export_destination),
        )

    # --- writing --------------------------------------------------------------------------

    def record(self, event: Event) -> None:
        """Append one event; raises StoreError if it is not durably in the log."""
        self.record_many((event,))

    def record_many(self, events: Sequence[Event]) -> None:
        """Append events in one transaction: all of them are in the log, or none."""
        signed: list[Checkpoint] = []
        for attempt in (1, 2):  # twice: writers racing to create an empty trail's head
            try:
                with self.engine.begin() as connection:
                    signed = self._append(connection, events)
                break
            except _HeadAltered:
                self._refuse(events, "its head was changed outside sceau")
            except IntegrityError as error:
                if attempt == 2:
                    self._refuse(events, type(error).__name__)
            except SQLAlchemyError as error:
                self._refuse(events, type(error).__name__)
        if signed and self.publisher is not None:
            self.publisher.publish(self, signed)

    @property
    def verifier(self) -> Verifier:
        """The audit key as checkers pin it: the origin and the public key (signed-note form)."""
        return Verifier(self.origin, self.key.public_bytes)

    def checkpoint(self) -> Checkpoint | None:
        """Sign a checkpoint now if entries were added since the last one (and publish it)."""
        try:
            with self.engine.begin() as connection:
                size, frontier = self._lock_head(connection)
                last = self._last_checkpoint(connection)
                if last is not None and last.size == size:
                    return None
                made = self._sign(connection, last, size, frontier)
        except _HeadAltered:
            raise StoreError(
                "cannot write an audit checkpoint: the trail's head was changed outside sceau",
                hint="run sceau audit verify, and keep a copy of the database as it is",
            ) from None
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
        seal = entry_sealer(self.key)
        rows, leaves = [], []
        for seq, event in enumerate(events, start=size):
            entry = encode(seq, event)
            leaf = leaf_hash(entry)
            at_us, name = micros(event.at), event.name
            rows.append((seq, at_us, name, entry, seal(seq, at_us, leaf, name)))
            leaves.append(leaf)
        frontier.extend(leaves)
        if rows:
            self._insert_entries(connection, rows)
        self._write_head(connection, frontier)
        last = self._last_checkpoint(connection)
        due = last is None or (
            frontier.size - last.size >= self.checkpoint_every
            or self.clock() - last.at >= self.checkpoint_after
        )
        return [self._sign(connection, last, frontier.size, frontier)] if due else []

    def _lock_head(self, connection: Connection) -> tuple[int, Frontier]:
        """The head, locked for this transaction (a write first, so SQLite takes its lock)."""
        touched = connection.execute(_TOUCH_HEAD)
        if touched.rowcount == 0:
            empty = Frontier()
            connection.execute(
                insert(audit_head).values(
                    id=_HEAD, size=0, frontier=b"", seal=head_seal(self.key, 0, b"")
                )
            )
            return 0, empty
        row = connection.execute(_READ_HEAD).one()
        if row.seal != head_seal(self.key, row.size, row.frontier):
            raise _HeadAltered
        return row.size, Frontier.from_bytes(row.size, row.frontier)

    def _write_head(self, connection: Connection, frontier: Frontier) -> None:
        data = frontier.to_bytes()
        seal = head_seal(self.key, frontier.size, data)
        connection.execute(
            _WRITE_HEAD, {"new_size": frontier.size, "new_frontier": data, "new_seal": seal}
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
        row = connection.execute(_LAST_CHECKPOINT).one_or_none()
        return None if row is None else checkpoint_from_row(row)

    def _refuse(self, events: Sequence[Event], why: str) -> None:
        name = events[0].name if events else "event"
        raise StoreError(
            f"cannot record the event {name} in the audit trail ({why})",
            hint="the action was not carried out; check the state store and the audit key, "
            "then run sceau audit verify",
        ) from None

    # --- reading --------------------------------------------------------------------------

    def proven_entries(self, names: Collection[str]) -> list[LoggedEvent]:
        """The entries of ``names`` from this trail, once it is verified whole
        (:mod:`sceau.audit.proven`); a SceauError when it does not verify."""
        from sceau.audit.proven import proven_entries  # it verifies with what imports this

        return proven_entries(self, names)

    def size(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(audit_entries)).scalar_one()

    def read(self, **selection: Unpack[Selection]) -> Iterator[LoggedEvent]:
        """Events after position ``after`` (and from ``since``, of ``names``), oldest first."""
        for _seq, entry in self.numbered(**selection):
            yield decode(entry)

    def entries(self, **selection: Unpack[Selection]) -> Iterator[bytes]:
        """The leaves themselves, byte for byte, selected as :meth:`read` selects events."""
        for _seq, entry in self.numbered(**selection):
            yield entry

    def numbered(
        self,
        *,
        after: int = -1,
        since: datetime | None = None,
        names: Collection[str] | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[tuple[int, bytes]]:
        """(position, leaf) pairs: for readers that must go on past a leaf that won't decode."""
        query = select(audit_entries.c.seq, audit_entries.c.entry).where(
            audit_entries.c.seq > after
        )
        if since is not None:
            query = query.where(audit_entries.c.at_us >= micros(since))
        if names is not None:
            query = query.where(audit_entries.c.name.in_(list(names)))
        order = audit_entries.c.seq.desc() if newest_first else audit_entries.c.seq
        query = query.order_by(order).limit(limit)
        with self.engine.connect() as connection:
            result = connection.execution_options(yield_per=_READ_CHUNK).execute(query)
            try:
                for seq, entry in result:
                    yield seq, bytes(entry)
            finally:  # a caller that stops early must not leave a server-side cursor open
                result.close()

    def names(self) -> list[str]:
        """Every recorded event's name, oldest first (for reports and tests)."""
        with self.engine.connect() as connection:
            query = select(audit_entries.c.name).order_by(audit_entries.c.seq)
            return list(connection.execute(query).scalars())

    def checkpoints(self) -> list[Checkpoint]:
        with self.engine.connect() as connection:
            query = select(audit_checkpoints).order_by(audit_checkpoints.c.number)
            return [checkpoint_from_row(row) for row in connection.execute(query)]


def _has_entries(engine: Engine) -> bool:
    with engine.connect() as connection:
        return connection.execute(select(audit_entries.c.seq).limit(1)).first() is not None


class _EntryInsert:
    """The entries' INSERT handed to the driver's executemany as it is, in the caller's
    transaction: SQLAlchemy's per-row parameter handling for a Core insert cost more than
    SQLite's own work (bench/audit.py). Compiled once from the Core statement, so each dialect
    gets its own parameter style."""

    __slots__ = ("named", "sql")

    def __init__(self, dialect: Dialect) -> None:
        compiled = insert(audit_entries).compile(dialect=dialect)
        self.sql = str(compiled)
        self.named = not compiled.positional
        if not self.named and tuple(compiled.positiontup or ()) != _ENTRY_COLUMNS:
            raise RuntimeError("the audit_entries columns are not in the expected order")

    def __call__(
        self, connection: Connection, rows: list[tuple[int, int, str, bytes, bytes]]
    ) -> None:
        if self.named:
            connection.exec_driver_sql(
                self.sql, [dict(zip(_ENTRY_COLUMNS, row, strict=True)) for row in rows]
            )
        else:
            connection.exec_driver_sql(self.sql, rows)


class _HeadAltered(SQLAlchemyError):
    """The head's seal does not match: someone wrote the table directly. Refuse to append."""

    def __init__(self) -> None:
        super().__init__("the audit head was altered")


def checkpoint_from_row(row: object) -> Checkpoint:
    return Checkpoint(
        number=row.number,  # type: ignore[attr-defined]
        size=row.size,  # type: ignore[attr-defined]
        root=row.root,  # type: ignore[attr-defined]
        at=row.at,  # type: ignore[attr-defined]
        body=row.body,  # type: ignore[attr-defined]
        signature=row.signature,  # type: ignore[attr-defined]
    )
