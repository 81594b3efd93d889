"""The event log in the state store: the sink every room's events go to.

It appends one row per event and raises :class:`StoreError` when it cannot: the action that
needed the event must not go on unrecorded. (The tamper-evident trail of issue "Supervise"
replaces the plain table behind the same :class:`sceau.events.EventSink` protocol.)
"""

from __future__ import annotations

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError

from sceau.events import Event
from sceau.store.engine import StoreError
from sceau.store.schema import events


class EventLog:
    """Records events in the ``events`` table, one transaction each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, event: Event) -> None:
        row = {"at": event.at, "name": event.name, "actor": event.actor, "payload": event.payload()}
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(events).values(**row))
        except SQLAlchemyError as error:
            raise StoreError(
                f"cannot record the event {event.name} ({type(error).__name__})",
                hint="the action was not carried out; check the state store and try again",
            ) from None

    def names(self) -> list[str]:
        """Every recorded event's name, oldest first (for reports and tests)."""
        with self.engine.connect() as connection:
            return list(connection.execute(select(events.c.name).order_by(events.c.seq)).scalars())
