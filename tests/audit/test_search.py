"""The trail's search on SQLite and PostgreSQL: whatever the filters and the person's scope, the
pages, read to the end, give exactly the entries a plain reading of the trail would, newest
first; the index catches up with what was written since, and a leaf that no longer decodes is
left out rather than breaking the search."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import DBAPIError
from tests.postgres import schema_url

from sceau.audit.entry import LoggedEvent
from sceau.audit.key import AuditKey
from sceau.audit.search import Query, Scope, catch_up, last_logins, search
from sceau.audit.sink import AuditLog
from sceau.events import BatchStaged, Event, LoginSucceeded, MandateSigned, RunStarted
from sceau.store import open_store
from sceau.store.schema import audit_entries, audit_facets

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MANDATES = ("m" * 64, "n" * 64, "o" * 64)
RUNS = ("run-a", "run-b", "run-c")
ACTORS = ("dr.martin", "op.durand", "admin")


def recorded() -> list[Event]:
    """Every kind of entry a scope tells apart: a mandate alone, a run with its mandate, a run
    alone, and none (the installation's), by several actors over a few hours."""
    made: list[Event] = []
    for i in range(36):
        at, actor = START + timedelta(minutes=7 * i), ACTORS[i % 3]
        mandate, run = MANDATES[i % 3], RUNS[(i // 3) % 3]
        made.append(
            [
                MandateSigned(
                    actor=actor, at=at, mandate_id="m", mandate_sha256=mandate, fingerprint="f"
                ),
                RunStarted(
                    actor=actor,
                    at=at,
                    run_id=run,
                    mandate_sha256=mandate,
                    source="s",
                    destination="d",
                ),
                BatchStaged(actor=actor, at=at, run_id=run, batch=i, rows=1, refused_rows=0),
                LoginSucceeded(actor=actor, at=at, user=actor),
            ][i % 4]
        )
    return made


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def trail(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, AuditLog]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('search') / 'state.db'}"
        engine = open_store(url)
        log = AuditLog(engine, AuditKey.generate())
        log.record_many(recorded())
        yield engine, log
        engine.dispose()
        return
    with schema_url("sceau_search") as url:
        engine = open_store(url)
        log = AuditLog(engine, AuditKey.generate())
        log.record_many(recorded())
        yield engine, log
        engine.dispose()


def _everything(engine: Engine, query: Query, scope: Scope) -> list[int]:
    seen: list[int] = []
    page = search(engine, query, scope)
    while True:
        seen += [e.seq for e in page.entries]
        if page.next_before is None:
            return seen
        page = search(engine, Query(**{**query.__dict__, "before": page.next_before}), scope)


def _matches(event: LoggedEvent, query: Query) -> bool:
    return (
        query.name in (None, event.name)
        and query.actor in (None, event.actor)
        and query.run_id in (None, event.get("run_id"))
        and query.mandate in (None, event.get("mandate_sha256"))
        and (query.since is None or event.at >= query.since)
        and (query.until is None or event.at < query.until)
    )


moments = st.none() | st.integers(0, 260).map(lambda m: START + timedelta(minutes=m))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mandates=st.frozensets(st.sampled_from(MANDATES)),
    runs=st.frozensets(st.sampled_from(RUNS)),
    name=st.none()
    | st.sampled_from(["mandate.signed", "run.started", "run.batch_staged", "auth.login"]),
    actor=st.none() | st.sampled_from(ACTORS),
    run_id=st.none() | st.sampled_from(RUNS),
    mandate=st.none() | st.sampled_from(MANDATES),
    since=moments,
    until=moments,
    limit=st.integers(1, 7),
)
def test_the_pages_give_exactly_what_a_plain_reading_gives(
    trail, mandates, runs, name, actor, run_id, mandate, since, until, limit
) -> None:
    engine, log = trail
    scope = Scope(mandates=mandates, runs=runs)
    query = Query(
        name=name,
        actor=actor,
        run_id=run_id,
        mandate=mandate,
        since=since,
        until=until,
        limit=limit,
    )
    expected = [e.seq for e in reversed(list(log.read())) if scope.shows(e) and _matches(e, query)]
    assert _everything(engine, query, scope) == expected


def test_the_index_catches_up_and_skips_a_leaf_that_no_longer_decodes(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    log = AuditLog(engine, AuditKey.generate())
    log.record_many(recorded()[:8])
    everyone = Scope(mandates=frozenset(MANDATES), runs=frozenset(RUNS))
    assert len(search(engine, Query(limit=200), everyone).entries) == 8
    log.record(LoginSucceeded(actor="aud.petit", user="aud.petit", at=START + timedelta(days=1)))
    with engine.begin() as connection:  # an intruder breaks the leaf written last but one
        connection.execute(update(audit_entries).where(audit_entries.c.seq == 8).values(entry=b"{"))
    log.record(LoginSucceeded(actor="aud.petit", user="aud.petit", at=START + timedelta(days=2)))
    found = search(engine, Query(limit=200), everyone).entries
    assert [e.seq for e in found[:2]] == [9, 7]
    assert catch_up(engine) == 0
    assert last_logins(engine)["aud.petit"] == START + timedelta(days=2)
    engine.dispose()


def test_on_postgresql_no_row_can_be_taken_out_of_the_index() -> None:
    with schema_url("sceau_search") as url:
        engine = open_store(url)
        AuditLog(engine, AuditKey.generate()).record_many(recorded()[:4])
        assert catch_up(engine) == 4
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(delete(audit_facets))
        engine.dispose()
