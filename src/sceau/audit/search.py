"""Searching the trail: the entries of an event, an actor, a run or a mandate, in a time range,
newest first, one bounded page at a time.

A leaf is canonical JSON in a sealed binary column that neither SQLite nor PostgreSQL can
filter on, so the fields a search filters on are copied into ``audit_facets``, an index beside
the trail that is brought up to date from the leaves before every search. The index only says
where to look: what a search answers is decoded from the leaves themselves, and a leaf that no
longer decodes is left out of the index (``sceau audit verify`` names it). Pages go by position
(``before``), never by OFFSET, so the thousandth page costs what the first does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, func, insert, or_, select, true
from sqlalchemy.exc import IntegrityError

from sceau.audit.entry import EntryError, LoggedEvent, decode
from sceau.audit.sink import micros
from sceau.store.schema import audit_entries, audit_facets

MAX_PAGE = 200  # entries per page, at most
_CATCH_UP_CHUNK = 2000  # leaves indexed per transaction
_WIDTH = 256  # the facet columns' width; a longer value is cut (sceau mints none that long)

_f = audit_facets.c


@dataclass(frozen=True)
class Scope:
    """Which entries a person may see: an entry naming a lab (``lab``: a scan handed in for it,
    a draft made for it) if it is one of ``labs``; else one naming one of ``mandates`` or,
    naming no mandate, one of ``runs``; and those naming none of these, which concern the
    whole installation."""

    mandates: frozenset[str]
    runs: frozenset[str]
    labs: frozenset[str] = frozenset()

    def shows(self, event: LoggedEvent) -> bool:
        lab = event.get("lab")
        if lab is not None:
            return str(lab) in self.labs
        run_id, mandate = event.get("run_id"), event.get("mandate_sha256")
        if mandate is not None:
            return str(mandate) in self.mandates
        return run_id is None or str(run_id) in self.runs

    def where(self) -> ColumnElement[bool]:
        """The same rule as :meth:`shows`, for the index."""
        return or_(
            _f.lab.in_(sorted(self.labs)),
            and_(
                _f.lab.is_(None),
                or_(
                    and_(_f.mandate_sha256.is_(None), _f.run_id.is_(None)),
                    _f.mandate_sha256.in_(sorted(self.mandates)),
                    and_(_f.mandate_sha256.is_(None), _f.run_id.in_(sorted(self.runs))),
                ),
            ),
        )


@dataclass(frozen=True)
class Query:
    """What to look for; None is "any". ``before`` is the position the page starts below."""

    name: str | None = None
    actor: str | None = None
    run_id: str | None = None
    mandate: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    limit: int = 50


@dataclass(frozen=True)
class Page:
    """A page of entries, newest first, and where the next one starts (None: this is the last)."""

    entries: list[LoggedEvent]
    next_before: int | None


def search(engine: Engine, query: Query, scope: Scope) -> Page:
    """The entries ``query`` asks for among those ``scope`` shows, newest first."""
    catch_up(engine)
    limit = max(1, min(query.limit, MAX_PAGE))
    conditions: list[ColumnElement[bool]] = [scope.where()]
    for column, value in (
        (_f.name, query.name),
        (_f.actor, query.actor),
        (_f.run_id, query.run_id),
        (_f.mandate_sha256, query.mandate),
    ):
        if value is not None:
            conditions.append(column == value)
    if query.since is not None:
        conditions.append(_f.at_us >= micros(query.since))
    if query.until is not None:
        conditions.append(_f.at_us < micros(query.until))
    if query.before is not None:
        conditions.append(_f.seq < query.before)
    statement = (
        select(audit_entries.c.seq, audit_entries.c.entry)
        .join(audit_facets, _f.seq == audit_entries.c.seq)
        .where(and_(true(), *conditions))
        .order_by(_f.seq.desc())
        .limit(limit + 1)
    )
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    shown = rows[:limit]
    found = [event for event in _decoded(bytes(row.entry) for row in shown) if scope.shows(event)]
    return Page(found, shown[-1].seq if len(rows) > limit else None)


def last_logins(engine: Engine) -> dict[str, datetime]:
    """Each account's latest successful login, as the trail records it."""
    catch_up(engine)
    statement = (
        select(_f.actor, func.max(_f.seq).label("seq"))
        .where(_f.name == "auth.login")
        .group_by(_f.actor)
    )
    with engine.connect() as connection:
        latest = [row.seq for row in connection.execute(statement)]
        leaves = connection.execute(
            select(audit_entries.c.entry).where(audit_entries.c.seq.in_(latest))
        ).scalars()
        return {event.actor: event.at for event in _decoded(bytes(leaf) for leaf in leaves)}


def catch_up(engine: Engine) -> int:
    """Index the leaves written since the index's last one; how many were indexed. Two
    searches catching up at once: the second stops at the first's rows, which are the same."""
    indexed = 0
    with engine.connect() as connection:
        last = connection.execute(select(func.max(_f.seq))).scalar()
    after = -1 if last is None else int(last)
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                select(audit_entries.c.seq, audit_entries.c.entry)
                .where(audit_entries.c.seq > after)
                .order_by(audit_entries.c.seq)
                .limit(_CATCH_UP_CHUNK)
            ).all()
        facets = [f for row in rows if (f := _facets(row.seq, bytes(row.entry))) is not None]
        if facets:
            try:
                with engine.begin() as connection:
                    connection.execute(insert(audit_facets), facets)
            except IntegrityError:
                return indexed
        indexed += len(facets)
        if len(rows) < _CATCH_UP_CHUNK:
            return indexed
        after = rows[-1].seq


def _facets(seq: int, leaf: bytes) -> dict[str, Any] | None:
    try:
        event = decode(leaf)
    except EntryError:
        return None
    run_id, mandate, lab = event.get("run_id"), event.get("mandate_sha256"), event.get("lab")
    return {
        "seq": seq,
        "at_us": micros(event.at),
        "name": event.name[:64],
        "actor": event.actor[:_WIDTH],
        "run_id": None if run_id is None else str(run_id)[:_WIDTH],
        "mandate_sha256": None if mandate is None else str(mandate)[:_WIDTH],
        "lab": None if lab is None else str(lab)[:_WIDTH],
    }


def _decoded(leaves: Iterable[bytes]) -> list[LoggedEvent]:
    found = []
    for leaf in leaves:
        try:
            found.append(decode(leaf))
        except EntryError:
            continue
    return found
