"""Incidents and their clocks against a real store: due times from the stored moment of
awareness, met on time or late with the reasons, the CNIL's complementary notification, each
step an audit event of its lab, and the same clocks read back by another process."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from tests.postgres import schema_url

from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog
from sceau.config import Settings
from sceau.store import open_store
from sceau.trace.incidents import (
    ClockKind,
    ClockState,
    Deadlines,
    IncidentError,
    Nature,
    close_incident,
    get_incident,
    give_delay,
    labs_of_trace,
    natures,
    open_clocks,
    open_incident,
    record_met,
)

AWARE = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
LAB_A, LAB_B = "130000011", "690000017"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, AuditLog]]:
    """The embedded store and a real PostgreSQL one (its URL is the engine's ``url``)."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'state.db'}"
        else:
            url = stack.enter_context(schema_url("incidents"))
        engine = open_store(url)
        stack.callback(engine.dispose)
        yield engine, AuditLog(engine, AuditKey.generate())


def opened(engine: Engine, log: AuditLog, **changes: object) -> int:
    values: dict[str, object] = {
        "title": "a patients file on a forum",
        "labs": [LAB_B, LAB_A],
        "nature": (Nature.CONFIDENTIALITY,),
        "aware_by": "the DPO of lab A",
        "by": "dr.martin",
        "now": AWARE + timedelta(hours=1),
        "aware_at": AWARE,
    } | changes
    return open_incident(engine, log, **values).incident_id  # type: ignore[arg-type]


def test_opening_starts_each_labs_three_clocks_from_the_moment_of_awareness(store) -> None:
    engine, log = store
    incident = get_incident(engine, opened(engine, log))
    assert incident is not None
    assert incident.labs == (LAB_A, LAB_B)
    due = {(c.finess, c.kind): c.due for c in incident.clocks}
    for lab in (LAB_A, LAB_B):
        assert due[lab, ClockKind.NOTICE] == AWARE + timedelta(hours=24)
        assert due[lab, ClockKind.CNIL] == AWARE + timedelta(hours=72)
        assert due[lab, ClockKind.ARS] == AWARE + timedelta(hours=24)
    assert {c.state(AWARE + timedelta(hours=2)) for c in incident.clocks} == {ClockState.RUNNING}
    opened_events = list(log.read(names={"incident.opened"}))
    assert sorted(e.get("lab") for e in opened_events) == [LAB_A, LAB_B]
    assert {e.get("aware_at") for e in opened_events} == {AWARE.isoformat()}


def test_the_deadlines_in_force_at_opening_stay_with_the_incident(store) -> None:
    engine, log = store
    settings = Settings(incident_notice_hours=12, incident_ars_hours=48)
    first = opened(engine, log, deadlines=Deadlines.from_settings(settings))
    second = opened(engine, log)  # the defaults, later: the first incident's clocks keep theirs
    for incident_id, notice, ars in ((first, 12, 48), (second, 24, 24)):
        incident = get_incident(engine, incident_id)
        assert incident is not None
        assert incident.clock(LAB_A, ClockKind.NOTICE).due == AWARE + timedelta(hours=notice)
        assert incident.clock(LAB_A, ClockKind.ARS).due == AWARE + timedelta(hours=ars)
        assert incident.clock(LAB_A, ClockKind.CNIL).due == AWARE + timedelta(hours=72)
    with pytest.raises(IncidentError, match="between 1 and"):
        Deadlines(notice=0).hours(ClockKind.NOTICE)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"aware_at": AWARE + timedelta(days=1)}, "in the future"),
        ({"labs": []}, "at least one lab"),
        ({"title": "  "}, "a title"),
    ],
)
def test_an_incident_that_cannot_be_is_refused_and_nothing_is_recorded(
    store, changes: dict[str, object], message: str
) -> None:
    engine, log = store
    with pytest.raises(IncidentError, match=message):
        opened(engine, log, **changes)
    assert "incident.opened" not in log.names()
    assert open_clocks(engine) == []


def test_a_clock_met_on_time_is_met_and_an_event_of_its_lab(store) -> None:
    engine, log = store
    incident_id = opened(engine, log)
    sent = AWARE + timedelta(hours=20)
    clock = record_met(
        engine, log, incident_id, LAB_A, ClockKind.NOTICE,
        reference="mail 2026-117", by="op.durand", now=sent,
    )  # fmt: skip
    assert (clock.state(sent), clock.met_by, clock.reference) == (
        ClockState.MET,
        "op.durand",
        "mail 2026-117",
    )
    (event,) = log.read(names={"incident.clock_met"})
    assert (event.get("lab"), event.get("clock"), event.get("late")) == (LAB_A, "notice", False)
    with pytest.raises(IncidentError, match="already met"):
        record_met(
            engine, log, incident_id, LAB_A, ClockKind.NOTICE,
            reference="again", by="op.durand", now=sent,
        )  # fmt: skip


def test_a_late_clock_is_refused_without_the_reasons_and_kept_with_them(store) -> None:
    engine, log = store
    incident_id = opened(engine, log)
    late = AWARE + timedelta(hours=80)
    with pytest.raises(IncidentError, match="reasons for the delay"):
        record_met(
            engine, log, incident_id, LAB_A, ClockKind.CNIL,
            reference="CNIL-2026-0042", by="dr.martin", now=late,
        )  # fmt: skip
    assert "incident.clock_met" not in log.names()
    incident = get_incident(engine, incident_id)
    assert incident is not None
    assert incident.clock(LAB_A, ClockKind.CNIL).state(late) is ClockState.OVERDUE
    clock = record_met(
        engine, log, incident_id, LAB_A, ClockKind.CNIL,
        reference="CNIL-2026-0042", by="dr.martin", now=late,
        reason="the file's scope was only known on day 3",
    )  # fmt: skip
    assert clock.state(late) is ClockState.LATE
    assert clock.delay_reason == "the file's scope was only known on day 3"
    assert log.names()[-2:] == ["incident.delay_given", "incident.clock_met"]
    (met,) = log.read(names={"incident.clock_met"})
    assert met.get("late") is True


def test_reasons_given_before_let_the_late_clock_be_recorded(store) -> None:
    engine, log = store
    incident_id = opened(engine, log)
    give_delay(
        engine, log, incident_id, LAB_B, ClockKind.ARS,
        reason="the ARS portal was down", by="aud.petit", now=AWARE + timedelta(hours=23),
    )  # fmt: skip
    clock = record_met(
        engine, log, incident_id, LAB_B, ClockKind.ARS,
        reference="SIGNAL-88", by="aud.petit", now=AWARE + timedelta(hours=30),
    )  # fmt: skip
    assert (clock.state(AWARE + timedelta(hours=30)), clock.delay_by) == (
        ClockState.LATE,
        "aud.petit",
    )
    with pytest.raises(IncidentError, match="in words"):
        give_delay(
            engine, log, incident_id, LAB_B, ClockKind.CNIL,
            reason=" ", by="aud.petit", now=AWARE,
        )  # fmt: skip


def test_the_cnil_is_complemented_only_after_its_first_notification(store) -> None:
    engine, log = store
    incident_id = opened(engine, log)
    now = AWARE + timedelta(hours=40)
    with pytest.raises(IncidentError, match="follows the CNIL notification"):
        record_met(
            engine, log, incident_id, LAB_A, ClockKind.CNIL,
            reference="X", by="dr.martin", now=now, complementary=True,
        )  # fmt: skip
    record_met(
        engine, log, incident_id, LAB_A, ClockKind.CNIL,
        reference="CNIL-1", by="dr.martin", now=now,
    )  # fmt: skip
    clock = record_met(
        engine, log, incident_id, LAB_A, ClockKind.CNIL,
        reference="CNIL-1-bis", by="dr.martin", now=now + timedelta(days=10), complementary=True,
    )  # fmt: skip
    assert (clock.reference, clock.complement_reference) == ("CNIL-1", "CNIL-1-bis")
    assert clock.state(now + timedelta(days=10)) is ClockState.MET  # a complement is never late
    events = list(log.read(names={"incident.clock_met"}))
    assert [e.get("complementary") for e in events] == [False, True]


def test_a_closed_incident_stops_its_clocks_and_takes_no_more_steps(store) -> None:
    engine, log = store
    incident_id = opened(engine, log)
    assert len(open_clocks(engine)) == 6
    close_incident(
        engine, log, incident_id, reason="no risk: the file was encrypted", by="dr.martin",
        now=AWARE + timedelta(hours=5),
    )  # fmt: skip
    assert open_clocks(engine) == []
    assert sorted(e.get("lab") for e in log.read(names={"incident.closed"})) == [LAB_A, LAB_B]
    with pytest.raises(IncidentError, match="is closed"):
        record_met(
            engine, log, incident_id, LAB_A, ClockKind.NOTICE,
            reference="late mail", by="op.durand", now=AWARE + timedelta(hours=6),
        )  # fmt: skip
    with pytest.raises(IncidentError, match="no incident number 99"):
        give_delay(engine, log, 99, LAB_A, ClockKind.ARS, reason="x", by="a", now=AWARE)


def test_the_clocks_survive_a_restart(store) -> None:
    """Another process, with its own engine, reads the same due times and states."""
    engine, log = store
    incident_id = opened(engine, log)
    record_met(
        engine, log, incident_id, LAB_A, ClockKind.NOTICE,
        reference="mail", by="op.durand", now=AWARE + timedelta(hours=3),
    )  # fmt: skip
    at = AWARE + timedelta(hours=30)
    incident = get_incident(engine, incident_id)
    assert incident is not None
    here = [[c.finess, c.kind.value, c.due.isoformat(), c.state(at).value] for c in incident.clocks]
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    program = (
        "import json, sys\n"
        "from datetime import datetime\n"
        "from sceau.store import open_store\n"
        "from sceau.trace.incidents import get_incident\n"
        "engine = open_store(sys.argv[1])\n"
        "at = datetime.fromisoformat(sys.argv[3])\n"
        "incident = get_incident(engine, int(sys.argv[2]))\n"
        "print(json.dumps([[c.finess, c.kind.value, c.due.isoformat(), c.state(at).value]"
        " for c in incident.clocks]))\n"
    )
    there = subprocess.run(
        [sys.executable, "-c", program, url,
         str(incident_id), at.isoformat()],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert json.loads(there.stdout) == here
    assert [state for _, _, _, state in here] == [
        *("met", "running", "overdue"),  # lab A: notice sent at 3 h; at 30 h the ARS is late
        *("overdue", "running", "overdue"),  # lab B: no notice yet
    ]


def test_the_labs_come_from_a_trace_reports_readings() -> None:
    report = {
        "report": "trace",
        "sources": [
            {"record": 1, "finess": LAB_B},
            {"record": 2, "finess": None},
            {"record": 3, "finess": LAB_A},
            {"record": 4, "finess": LAB_B},
        ],
    }
    document = json.dumps(report).encode()
    labs, sha256 = labs_of_trace(document)
    assert labs == [LAB_A, LAB_B]
    assert len(sha256) == 64
    with pytest.raises(IncidentError, match="names no lab"):
        labs_of_trace(json.dumps({"report": "trace", "sources": []}).encode())
    with pytest.raises(IncidentError, match="not a sceau trace report"):
        labs_of_trace(b"nom;prenom\nDUPONT;Jean\n")


@given(st.lists(st.sampled_from([n.value for n in Nature]), min_size=1), st.booleans())
def test_natures_are_read_in_any_order_and_case(names: list[str], shout: bool) -> None:
    written = [n.upper() if shout else f" {n} " for n in names]
    assert natures(written) == tuple(n for n in Nature if n.value in names)


@given(st.text(min_size=1).filter(lambda w: w.strip().lower() not in {n.value for n in Nature}))
def test_an_unknown_nature_is_refused(word: str) -> None:
    with pytest.raises(IncidentError, match="unknown nature"):
        natures([word])
