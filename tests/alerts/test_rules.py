"""The detection rules: each fires on its own scenario, and all stay silent on a normal day.

Events are sceau's own event classes, numbered as the audit log would hand them back; the state
rules read a real SQLite store. The clock is fixed: a Tuesday in March, 18:00 in Paris.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from sceau.alerts.model import Finding, Severity
from sceau.alerts.rules import RULES, RuleContext, RuleError, rule_thresholds
from sceau.alerts.rules.beyond_mandate import WHY
from sceau.audit.entry import LoggedEvent
from sceau.events import (
    AccessDenied,
    AlertAcknowledged,
    AuditVerificationFailed,
    AuditVerified,
    BatchLoaded,
    BatchStaged,
    DriftRefused,
    Event,
    KeyCreated,
    KeyRotated,
    LoginFailed,
    LoginSucceeded,
    MandateRefused,
    MandateSigned,
    MfaFailed,
    RunStarted,
    RunVerified,
    ScanCompleted,
    ScanDisagreed,
    StagingShredded,
    StrayFound,
    WitnessRefused,
)
from sceau.mandate.verify import REASONS
from sceau.store import open_store
from sceau.store.schema import mandates, runs

DOCS = Path(__file__).parents[2] / "docs" / "alert-rules.md"
NOW = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)  # Tuesday, 18:00 in Paris
TODAY = NOW.replace(hour=0)
SATURDAY = TODAY + timedelta(days=4)
PASSWORD = "hunter2-do-not-leak"
DESTINATION = "postgresql://lis@new-host/lab"  # as run.started records it: no password
SHA = "a" * 64
MANDATE = f"""\
mandate_id = "lab-a-2026"
purpose = "Migration of lab A's records to the new LIS"
legal_reference = "Processing contract of 2026-01-15, art. 4"

[controller]
name = "Laboratoire des Deux Rives"
finess = "750000001"

[processor]
name = "LIS Vendor SAS"

[validity]
from = 2026-03-01
until = 2026-04-01T00:00:00Z

[source]
location = "exports/lab-a.csv"
columns = ["NUM_DOSSIER", "NOM_PAT"]

[destination]
location = "postgresql://lis:{PASSWORD}@new-host/lab"
table = "patients"

[staging]
retention_days = 7

[columns]
NUM_DOSSIER = {{ treatment = "keep", detected = "RECORD_ID" }}
NOM_PAT = {{ treatment = "pseudonymise", detected = "PERSON_NAME" }}
"""
ALICE_HOUR = 4 * 50_000  # alice's usual volume, in her usual hour
BOB_HOUR = 2 * 60_000


@dataclass
class Log:
    """An audit trail in memory: events numbered in the order they are added."""

    events: list[LoggedEvent] = field(default_factory=list)

    def add(self, event: Event) -> LoggedEvent:
        logged = LoggedEvent(len(self.events), event.at, event.name, event.actor, event.payload())
        self.events.append(logged)
        return logged

    def since(self, seq: int) -> list[LoggedEvent]:
        return [event for event in self.events if event.seq >= seq]

    def history(self, since: datetime, names: frozenset[str]) -> list[LoggedEvent]:
        return [event for event in self.events if event.at >= since and event.name in names]


def at(day: datetime, clock: str) -> datetime:
    hours, minutes = clock.split(":")
    return day.replace(hour=int(hours), minute=int(minutes))


def login(moment: datetime, user: str) -> LoginSucceeded:
    return LoginSucceeded(at=moment, actor=user, user=user)


def login_failed(moment: datetime, user: str, actor: str | None = None) -> LoginFailed:
    return LoginFailed(at=moment, actor=actor or user, user=user, reason="password")


def batch(moment: datetime, actor: str, rows: int, run: str = "run-x", number: int = 0) -> Event:
    return BatchStaged(at=moment, actor=actor, run_id=run, batch=number, rows=rows, refused_rows=0)


def started(moment: datetime, actor: str, run: str, destination: str = DESTINATION) -> Event:
    return RunStarted(
        at=moment,
        actor=actor,
        run_id=run,
        mandate_sha256=SHA,
        source="exports/lab-a.csv",
        destination=destination,
    )


def past_fortnight(log: Log) -> None:
    """Two weeks of working days before today: alice and bob at their usual volumes."""
    for back in range(14, 0, -1):
        day = TODAY - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        log.add(login(at(day, "08:00"), "alice"))
        log.add(login(at(day, "08:05"), "bob"))
        for number in range(4):
            log.add(batch(at(day, f"10:{number * 10:02}"), "alice", 50_000, number=number))
        for number in range(2):
            log.add(batch(at(day, f"14:{number * 10:02}"), "bob", 60_000, number=number))


def normal_day(log: Log) -> list[LoggedEvent]:
    """Today, as usual: the events the rules have not evaluated yet."""
    first = len(log.events)
    night = at(TODAY, "01:00")  # the system's own jobs run at night
    log.add(
        StagingShredded(at=night, actor="sceau", run_id="run-0302", key_id="k", reason="retention")
    )
    log.add(AuditVerified(at=night, actor="sceau", size=first, checkpoints=9))
    log.add(login_failed(at(TODAY, "07:45"), "alice"))  # one typo is not an attack
    log.add(login(at(TODAY, "07:46"), "alice"))
    log.add(login(at(TODAY, "08:00"), "bob"))
    log.add(login(at(TODAY, "08:10"), "claire"))
    log.add(
        ScanCompleted(
            at=at(TODAY, "08:30"), actor="alice", sources=1, rows=1_000, sensitive_columns=2
        )
    )
    log.add(
        MandateSigned(
            at=at(TODAY, "09:00"),
            actor="claire",
            mandate_id="lab-a-2026",
            mandate_sha256=SHA,
            fingerprint="f" * 64,
        )
    )
    for actor, run, hour, batches, rows in (
        ("alice", "run-0310", "10", 4, 50_000),
        ("bob", "run-0310b", "14", 2, 60_000),
    ):
        log.add(started(at(TODAY, f"{hour}:00"), actor, run))
        for number in range(batches):
            log.add(batch(at(TODAY, f"{hour}:{number * 10 + 5:02}"), actor, rows, run, number))
            log.add(
                BatchLoaded(
                    at=at(TODAY, f"{hour}:{number * 10 + 6:02}"),
                    actor=actor,
                    run_id=run,
                    batch=number,
                    rows=rows,
                )
            )
        log.add(
            RunVerified(
                at=at(TODAY, f"{hour}:50"),
                actor=actor,
                run_id=run,
                rows=batches * rows,
                digest="d" * 64,
            )
        )
        log.add(
            StagingShredded(
                at=at(TODAY, f"{hour}:51"), actor=actor, run_id=run, key_id="k", reason="verified"
            )
        )
    log.add(
        KeyRotated(
            at=at(TODAY, "16:00"), actor="claire", key_id="pseudonym", provider="local", version=2
        )
    )
    log.add(AuditVerified(at=at(TODAY, "16:30"), actor="sceau", size=first, checkpoints=10))
    return log.since(first)


def add_run(engine: Engine, run_id: str, *, status: str, started: datetime, **extra: Any) -> None:
    values = {
        "run_id": run_id,
        "mandate_sha256": SHA,
        "actor": "alice",
        "status": status,
        "source": "exports/lab-a.csv",
        "destination": DESTINATION,
        "key_id": f"k-{run_id}",
        "key_provider": "local",
        "staging_path": f"/staging/{run_id}",
        "started_at": started,
        "retention_until": started + timedelta(days=7),
        **extra,
    }
    with engine.begin() as connection:
        connection.execute(insert(runs).values(**values))


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """A state store as it stands at the end of the normal day."""
    engine = open_store(f"sqlite:///{tmp_path}/state.db")
    with engine.begin() as connection:
        connection.execute(
            insert(mandates).values(
                sha256=SHA,
                mandate_id="lab-a-2026",
                body=MANDATE,
                signature="{}",
                fingerprint="f" * 64,
                signed_at=at(TODAY, "09:00"),
            )
        )
    add_run(
        engine,
        "run-0302",
        status="shredded",
        started=NOW - timedelta(days=8),
        shredded_at=at(TODAY, "01:00"),
    )
    for run_id, clock in (("run-0310", "10:00"), ("run-0310b", "14:00")):
        add_run(engine, run_id, status="shredded", started=at(TODAY, clock), shredded_at=NOW)
    add_run(engine, "run-0310c", status="staging", started=at(TODAY, "16:40"))
    return engine


@pytest.fixture
def log() -> Log:
    log = Log()
    past_fortnight(log)
    return log


def evaluate(
    name: str,
    engine: Engine,
    new: Iterable[LoggedEvent] = (),
    log: Log | None = None,
    now: datetime = NOW,
    **thresholds: object,
) -> list[Finding]:
    history = log.history if log is not None else (lambda since, names: [])
    context = RuleContext(
        now, list(new), history, engine, rule_thresholds({name: thresholds})[name]
    )
    findings = list(RULES[name]().evaluate(context))
    for finding in findings:
        assert finding.rule == name
        assert finding.severity is RULES[name].severity
        assert PASSWORD not in repr(finding)
        assert all(isinstance(v, str | int | float | bool | None) for v in finding.facts.values())
    return findings


def test_every_rule_is_silent_on_a_normal_day(engine: Engine, log: Log):
    new = normal_day(log)
    assert {event.actor for event in new} == {"alice", "bob", "claire", "sceau"}
    for name in RULES:
        assert evaluate(name, engine, new, log) == [], name


def test_the_registry_holds_every_rule():
    assert set(RULES) == {
        "beyond-mandate",
        "incident-clock",
        "scan-disagreed",
        "volume-anomaly",
        "off-hours",
        "failed-auth",
        "staging-retention",
        "stray-copy",
        "unverified-run",
        "unnamed-destination",
        "audit-verification",
    }
    for rule in RULES.values():
        assert isinstance(rule.severity, Severity)
        assert rule.description
        assert rule.__doc__


# -- beyond-mandate --------------------------------------------------------------------------


def test_beyond_mandate_reports_every_refused_mandate_and_drift(engine: Engine):
    log = Log()
    refused = log.add(MandateRefused(at=NOW, actor="claire", mandate_sha256=SHA, reason="changed"))
    drift = log.add(
        DriftRefused(
            at=NOW,
            actor="alice",
            mandate_sha256=SHA,
            column="COMMENT2",
            reason="the source has a column the mandate did not know of",
        )
    )
    findings = evaluate("beyond-mandate", engine, log.events)
    assert [finding.key for finding in findings] == [  # a retried attempt folds into its alert
        f"claire:changed:{SHA}:None",
        f"alice:drift:{SHA}:COMMENT2",
    ]
    assert [finding.facts["seq"] for finding in findings] == [refused.seq, drift.seq]
    assert findings[0].summary == (
        "claire tried to run a migration under a mandate that was changed after it was signed"
    )
    assert findings[0].facts["reason"] == "changed"
    assert "alice" in findings[1].summary
    assert "COMMENT2" in findings[1].summary
    assert "did not know" not in repr(findings[1])  # the drift's sentence is not copied


def test_a_scan_that_disagrees_is_a_low_decision_for_the_controller_never_an_accusation(
    engine: Engine,
):
    log = Log()
    for _ in range(2):  # tried twice: one alert
        log.add(
            ScanDisagreed(
                at=NOW,
                actor="otto",
                mandate_id="lab-a-2026",
                mandate_sha256=SHA,
                column="SR",
                scanned="PASSWORD",
                signed="LOGIN",
                reason="the scan reads it as PASSWORD where the mandate notes LOGIN",
            )
        )
    assert evaluate("beyond-mandate", engine, log.events) == []
    findings = evaluate("scan-disagreed", engine, log.events)
    assert {finding.key for finding in findings} == {f"{SHA}:SR"}
    finding = findings[0]
    assert finding.severity is Severity.LOW
    assert finding.summary.startswith(
        "mandate lab-a-2026 waits for the controller's decision: the scan reads column SR as "
        "PASSWORD where the mandate notes LOGIN; if the scan is wrong, the controller can "
        "confirm LOGIN with a reason in the mandate and sign again"
    )
    assert "otto" not in repr(finding)  # the operator who ran it did nothing wrong
    assert (finding.facts["scanned"], finding.facts["signed"]) == ("PASSWORD", "LOGIN")


@pytest.mark.parametrize("reason", REASONS)
def test_beyond_mandate_fires_whatever_the_reason(engine: Engine, reason: str):
    event = Log().add(MandateRefused(at=NOW, actor="bob", mandate_sha256=SHA, reason=reason))
    [finding] = evaluate("beyond-mandate", engine, [event])
    assert finding.summary == f"bob tried to run a migration under {WHY[reason]}"


def test_every_refusal_reason_has_plain_words():
    assert set(WHY) == set(REASONS)


# -- volume-anomaly --------------------------------------------------------------------------


def staged(log: Log, actor: str, rows: int, clock: str = "15:10") -> list[LoggedEvent]:
    first = len(log.events)
    for number, share in enumerate((rows // 2, rows - rows // 2)):
        log.add(batch(at(TODAY, clock), actor, share, number=number))
    return log.since(first)


def test_volume_anomaly_fires_above_three_times_the_usual_hour(engine: Engine, log: Log):
    [finding] = evaluate("volume-anomaly", engine, staged(log, "alice", 700_000), log)
    assert finding.key == "operator:alice:2026-03-10T15:00:00+00:00"
    assert finding.facts["rows"] == 700_000
    assert finding.facts["baseline_rows"] == ALICE_HOUR
    assert finding.facts["active_hours"] == 9  # the working days since 15:00 14 days ago
    assert finding.summary == (
        "alice read 700,000 rows in the hour from 2026-03-10 15:00 UTC, "
        "usually 200,000 an hour over the last 14 days"
    )


def test_volume_anomaly_counts_the_whole_hour_across_evaluations(engine: Engine, log: Log):
    staged(log, "alice", 400_000, "15:05")  # already evaluated: history only
    [finding] = evaluate("volume-anomaly", engine, staged(log, "alice", 300_000, "15:40"), log)
    assert finding.facts["rows"] == 700_000


def test_volume_anomaly_is_silent_within_the_factor(engine: Engine, log: Log):
    assert evaluate("volume-anomaly", engine, staged(log, "alice", 3 * ALICE_HOUR), log) == []


def test_volume_anomaly_needs_min_rows(engine: Engine, log: Log):
    new = staged(log, "bob", 3 * BOB_HOUR + 10_000)  # 3.08 × bob's usual, but only 370,000 rows
    assert evaluate("volume-anomaly", engine, new, log)
    assert evaluate("volume-anomaly", engine, new, log, min_rows=400_000) == []


def test_volume_anomaly_thresholds_override(engine: Engine, log: Log):
    new = staged(log, "alice", 700_000)
    assert evaluate("volume-anomaly", engine, new, log, factor=4) == []
    assert evaluate("volume-anomaly", engine, new, log, factor=3.4)
    # One day back from 15:00 misses Monday's 10:00 hour: alice has no baseline, and 700,000
    # rows is below first_hour_rows.
    assert evaluate("volume-anomaly", engine, new, log, baseline_days=1) == []


def test_volume_anomaly_for_a_new_operator(engine: Engine, log: Log):
    assert evaluate("volume-anomaly", engine, staged(log, "dave", 1_900_000), log) == []
    [finding] = evaluate("volume-anomaly", engine, staged(log, "erin", 2_500_000), log)
    assert finding.facts["baseline_rows"] is None
    assert "new operator" in finding.summary
    assert evaluate(
        "volume-anomaly", engine, staged(log, "fay", 600_000), log, first_hour_rows=500_000
    )


def test_volume_anomaly_forgets_hours_older_than_the_baseline(engine: Engine, log: Log):
    # gus's one busy hour 15 days ago is outside the 14-day baseline: he counts as new.
    old = TODAY - timedelta(days=15)
    log.add(batch(at(old, "10:00"), "gus", 1_000_000))
    new = staged(log, "gus", 2_100_000)
    assert evaluate("volume-anomaly", engine, new, log)
    assert evaluate("volume-anomaly", engine, new, log, baseline_days=16) == []


# -- off-hours -------------------------------------------------------------------------------


def test_off_hours_reports_one_finding_per_person_and_day(engine: Engine):
    log = Log()
    log.add(login(at(TODAY, "20:30"), "alice"))  # 21:30 in Paris
    log.add(
        ScanCompleted(at=at(TODAY, "21:00"), actor="alice", sources=1, rows=1, sensitive_columns=1)
    )
    log.add(
        StagingShredded(
            at=at(TODAY, "22:00"), actor="sceau", run_id="r", key_id="k", reason="retention"
        )
    )
    log.add(AlertAcknowledged(at=at(TODAY, "21:10"), actor="bob", alert_id=3))  # touches no data
    log.add(started(at(SATURDAY, "10:00"), "bob", "r2"))
    findings = evaluate("off-hours", engine, log.events)
    assert [finding.key for finding in findings] == [
        "actor:alice:2026-03-10",
        "actor:bob:2026-03-14",
    ]
    assert findings[0].summary == (
        "alice worked outside working hours on 2026-03-10: 2 actions between 21:30 and 22:00 "
        "(Europe/Paris time)"
    )
    assert findings[1].facts["actions"] == 1


def test_off_hours_follows_the_lab_s_local_time(engine: Engine):
    summer = datetime(2026, 7, 7, 5, 30, tzinfo=UTC)  # 07:30 in Paris (summer time)
    event = Log().add(
        KeyCreated(at=summer, actor="claire", key_id="k", provider="local", purpose="run")
    )
    assert evaluate("off-hours", engine, [event]) == []
    assert evaluate("off-hours", engine, [event], timezone="UTC")


def test_off_hours_thresholds_override(engine: Engine):
    late = Log().add(login(at(TODAY, "21:00"), "alice"))
    assert evaluate("off-hours", engine, [late], end="23:00") == []
    weekend = Log().add(login(at(SATURDAY, "10:00"), "bob"))
    assert evaluate("off-hours", engine, [weekend], days="mon-fri,sat") == []
    assert evaluate("off-hours", engine, [weekend], days="sat-sun") == []
    assert evaluate("off-hours", engine, [weekend], days="mon,wed,fri")


def test_off_hours_night_shift_spans_midnight(engine: Engine):
    def event(moment: datetime) -> list[LoggedEvent]:
        return [Log().add(login(moment, "nina"))]

    night = {"start": "20:00", "end": "08:00", "timezone": "UTC", "days": "mon-fri"}
    assert evaluate("off-hours", engine, event(at(TODAY, "23:00")), **night) == []
    assert evaluate("off-hours", engine, event(at(TODAY, "03:00")), **night) == []  # Monday's
    assert evaluate("off-hours", engine, event(at(TODAY, "12:00")), **night)
    saturday_morning = at(SATURDAY, "03:00")  # Friday's night shift
    assert evaluate("off-hours", engine, event(saturday_morning), **night) == []


def test_off_hours_around_the_clock_ends_at_24_00(engine: Engine):
    def event(moment: datetime) -> list[LoggedEvent]:
        return [Log().add(login(moment, "nina"))]

    always = {"start": "00:00", "end": "24:00", "timezone": "UTC", "days": "mon-sun"}
    last = timedelta(seconds=59, microseconds=999_999)
    for moment in (at(SATURDAY, "00:00"), at(SATURDAY, "12:00"), at(SATURDAY, "23:59") + last):
        assert evaluate("off-hours", engine, event(moment), **always) == []
    evening = {"start": "08:00", "end": "24:00", "timezone": "UTC", "days": "mon-fri"}
    assert evaluate("off-hours", engine, event(at(TODAY, "23:59") + last), **evening) == []
    assert evaluate("off-hours", engine, event(at(TODAY, "07:00")), **evening)
    with pytest.raises(RuleError, match="HH:MM"):
        evaluate("off-hours", engine, event(at(TODAY, "07:00")), start="24:00")


# -- failed-auth -----------------------------------------------------------------------------


def failures(log: Log, start: datetime, count: int, every: timedelta, **who: str) -> None:
    for index in range(count):
        log.add(login_failed(start + index * every, **who))


def test_failed_auth_fires_at_five_failures_in_fifteen_minutes(engine: Engine):
    log = Log()
    failures(log, NOW, 5, timedelta(minutes=2), user="mallory", actor="unknown")
    [finding] = evaluate("failed-auth", engine, log.events, log)
    assert finding.key == "actor:mallory"
    assert finding.facts["failures"] == 5
    assert finding.facts["logins"] == 5
    assert finding.summary == (
        "5 failed logins, refused commands or bad signatures for mallory within 15 minutes "
        "(the last at 2026-03-10 17:08 UTC)"
    )
    assert evaluate("failed-auth", engine, log.events[:4], log) == []


def test_failed_auth_is_silent_when_failures_are_spread_out(engine: Engine):
    log = Log()
    failures(log, NOW, 6, timedelta(minutes=4), user="mallory")
    assert evaluate("failed-auth", engine, log.events, log) == []
    assert evaluate("failed-auth", engine, log.events, log, minutes=30)
    assert evaluate("failed-auth", engine, log.events, log, count=4)


def test_failed_auth_counts_denials_and_bad_signatures(engine: Engine):
    log = Log()
    for minute in range(2):
        moment = NOW + timedelta(minutes=minute)
        log.add(AccessDenied(at=moment, actor="eve", command="migrate", reason="role"))
    for reason in ("bad-signature", "unknown-signer", "revoked-signer", "expired"):
        moment = NOW + timedelta(minutes=3)
        log.add(MandateRefused(at=moment, actor="eve", mandate_sha256=SHA, reason=reason))
    [finding] = evaluate("failed-auth", engine, log.events, log)
    assert finding.key == "actor:eve"
    assert (finding.facts["denied"], finding.facts["signatures"]) == (2, 3)  # not "expired"


def test_failed_auth_counts_wrong_codes_given_again_as_logins(engine: Engine):
    log = Log()
    failures(log, NOW, 3, timedelta(minutes=1), user="mallory")
    for minute in (4, 5):  # a session left open: someone guesses the password a command asks
        moment = NOW + timedelta(minutes=minute)
        log.add(MfaFailed(at=moment, actor="mallory", user="mallory", kind="totp", reason="wrong"))
    [finding] = evaluate("failed-auth", engine, log.events, log)
    assert (finding.key, finding.facts["logins"]) == ("actor:mallory", 5)


def test_failed_auth_window_reaches_into_history(engine: Engine):
    log = Log()
    failures(log, NOW, 3, timedelta(minutes=1), user="mallory")
    first_new = len(log.events)
    failures(log, NOW + timedelta(minutes=5), 2, timedelta(minutes=1), user="mallory")
    [finding] = evaluate("failed-auth", engine, log.since(first_new), log)
    assert finding.facts["failures"] == 5


# -- staging-retention and unverified-run ----------------------------------------------------


def test_staging_retention_fires_once_per_overdue_run(engine: Engine):
    add_run(engine, "run-old", status="failed", started=NOW - timedelta(days=9))
    add_run(
        engine,
        "run-done",
        status="verified",
        started=NOW - timedelta(days=9),
        shredded_at=NOW - timedelta(days=8),
    )
    [finding] = evaluate("staging-retention", engine)
    assert finding.key == "run:run-old"
    assert finding.once
    assert finding.summary == (
        "the staging of run run-old (started by alice) should have been shredded on "
        "2026-03-08 17:00 UTC and still exists"
    )


def test_stray_copy_says_where_how_old_and_which_readings_once_per_file_as_found(
    engine: Engine, log: Log
):
    def found(size: int) -> LoggedEvent:
        return log.add(
            StrayFound(
                at=NOW,
                actor="sceau",
                path="/srv/partage/extraction.csv",
                size=size,
                modified="2025-08-10T09:00:00+00:00",
                age_days=212,
                rows=80,
                matched_rows=80,
                records=(3, 5),
            )
        )

    first, again, changed = found(48_210), found(48_210), found(50_000)
    findings = evaluate("stray-copy", engine, [first, again, changed])
    assert [f.key for f in findings] == [
        "/srv/partage/extraction.csv|48210|2025-08-10T09:00:00+00:00",
        "/srv/partage/extraction.csv|48210|2025-08-10T09:00:00+00:00",  # folded into one alert
        "/srv/partage/extraction.csv|50000|2025-08-10T09:00:00+00:00",
    ]
    assert all(f.once for f in findings)
    assert findings[0].summary == (
        "a stray copy of patient data: /srv/partage/extraction.csv (48,210 bytes, last changed "
        "212 day(s) ago) holds 80 rows of recorded reading(s) #3, #5, outside every location a "
        "mandate declares; find who put it there, then remove it or declare it"
    )


def test_unverified_run_fires_after_the_hours(engine: Engine):
    add_run(engine, "run-stuck", status="loading", started=NOW - timedelta(hours=30))
    add_run(engine, "run-ok", status="verified", started=NOW - timedelta(hours=30))
    [finding] = evaluate("unverified-run", engine)
    assert finding.key == "run:run-stuck"
    assert finding.once
    assert finding.facts["hours"] == 30
    assert "alice" in finding.summary
    assert "loading" in finding.summary
    assert evaluate("unverified-run", engine, hours=48) == []


# -- unnamed-destination and audit-verification ----------------------------------------------


def test_unnamed_destination_fires_for_a_destination_no_mandate_names(engine: Engine):
    log = Log()
    good = log.add(started(NOW, "alice", "r1"))
    bad = log.add(started(NOW, "alice", "r2", "postgresql://lis@elsewhere/lab"))
    with engine.begin() as connection:  # a stored mandate that no longer parses names nothing
        connection.execute(
            insert(mandates).values(
                sha256="c" * 64,
                mandate_id="broken",
                body="not = [toml",
                signature="{}",
                fingerprint="f" * 64,
                signed_at=NOW,
            )
        )
    [finding] = evaluate("unnamed-destination", engine, [good, bad])
    assert finding.key == f"event:{bad.seq}"
    assert finding.severity is Severity.CRITICAL
    assert finding.summary == (
        "alice started run r2 writing to postgresql://lis@elsewhere/lab, "
        "a destination that no mandate names"
    )


def test_audit_verification_fires_on_a_failed_verification(engine: Engine):
    event = Log().add(
        AuditVerificationFailed(
            at=NOW, actor="sceau", position="entry 41", reason="the seal does not match"
        )
    )
    [finding] = evaluate("audit-verification", engine, [event])
    assert finding.key == f"event:{event.seq}"
    assert finding.severity is Severity.CRITICAL
    assert "entry 41" in finding.summary


def test_audit_verification_fires_when_the_labs_witness_refuses(engine: Engine):
    event = Log().add(
        WitnessRefused(
            at=NOW,
            actor="dr.martin",
            witness="lab.example/witness",
            origin="lab.example/sceau-audit",
            size=35,
            caught="fork",
        )
    )
    [finding] = evaluate("audit-verification", engine, [event])
    assert finding.severity is Severity.CRITICAL
    assert finding.summary == (
        "the audit log failed verification at the witness lab.example/witness (fork) "
        "(checked by dr.martin): it may have been tampered with"
    )
    assert finding.facts["reason"] == "a checkpoint of 35 entries was refused: fork"


def test_the_context_merges_history_and_new_events_once(engine: Engine):
    log = Log()
    failures(log, NOW, 3, timedelta(minutes=1), user="mallory")
    names = frozenset({"auth.login_failed"})
    both = RuleContext(NOW, log.since(1), log.history, engine)
    apart = RuleContext(NOW, log.since(1), lambda since, names: log.events[:1], engine)
    assert [e.seq for e in both.events(NOW, names)] == [0, 1, 2]
    assert [e.seq for e in apart.events(NOW, names)] == [0, 1, 2]


# -- thresholds ------------------------------------------------------------------------------


def test_thresholds_default_and_override():
    chosen = rule_thresholds({"volume-anomaly": {"factor": 4, "min_rows": 5}})
    assert set(chosen) == set(RULES)
    assert chosen["volume-anomaly"] == {
        "baseline_days": 14,
        "factor": 4.0,
        "min_rows": 5,
        "first_hour_rows": 2_000_000,
    }
    assert isinstance(chosen["volume-anomaly"]["factor"], float)
    assert chosen["off-hours"]["timezone"] == "Europe/Paris"
    assert chosen["failed-auth"] == {"minutes": 15, "count": 5}
    assert chosen["unverified-run"] == {"hours": 24}


@pytest.mark.parametrize(
    ("config", "where", "message"),
    [
        ({"volume-anomoly": {}}, "alerts.rules.volume-anomoly", "unknown rule"),
        ({"off-hours": 5}, "alerts.rules.off-hours", "must be a table"),
        ({"volume-anomaly": {"factr": 4.0}}, "alerts.rules.volume-anomaly.factr", "unknown"),
        ({"beyond-mandate": {"count": 1}}, "alerts.rules.beyond-mandate.count", "unknown"),
        ({"volume-anomaly": {"factor": "3"}}, "alerts.rules.volume-anomaly.factor", "a number"),
        ({"failed-auth": {"count": 2.5}}, "alerts.rules.failed-auth.count", "a whole number"),
        ({"failed-auth": {"count": True}}, "alerts.rules.failed-auth.count", "a whole number"),
        ({"unverified-run": {"hours": "24"}}, "alerts.rules.unverified-run.hours", "whole"),
        ({"off-hours": {"start": 7}}, "alerts.rules.off-hours.start", "must be text"),
        ({"failed-auth": {"minutes": 0}}, "alerts.rules.failed-auth.minutes", "greater than zero"),
        ({"off-hours": {"timezone": "Mars/Olympus"}}, "alerts.rules.off-hours.timezone", "zone"),
        ({"off-hours": {"start": "7h"}}, "alerts.rules.off-hours.start", "HH:MM"),
        ({"off-hours": {"end": "07:00"}}, "alerts.rules.off-hours.end", "same time"),
        ({"off-hours": {"days": "weekdays"}}, "alerts.rules.off-hours.days", "mon"),
        ({"off-hours": {"days": ","}}, "alerts.rules.off-hours.days", "no working day"),
    ],
)
def test_bad_threshold_config_is_a_plain_error(config: dict, where: str, message: str):
    with pytest.raises(RuleError) as raised:
        rule_thresholds(config)
    assert raised.value.where == where
    assert message in raised.value.message
    assert raised.value.hint
    assert str(raised.value).startswith(f"{where}: ")


# -- docs ------------------------------------------------------------------------------------


def sections() -> dict[str, str]:
    text = DOCS.read_text(encoding="utf-8")
    parts = re.split(r"^## `([a-z-]+)`\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_rule_is_documented():
    documented = sections()
    assert set(documented) == set(RULES)
    for name, rule in RULES.items():
        body = documented[name]
        assert f"**Severity:** {rule.severity}." in body, name
        for key in rule.defaults:
            assert f"`{key}`" in body, f"{name}.{key}"


def test_the_documented_toml_is_valid_and_shows_the_defaults():
    for name, body in sections().items():
        for block in re.findall(r"```toml\n(.*?)```", body, flags=re.S):
            config = tomllib.loads(block)["alerts"]["rules"]
            assert config == {name: dict(RULES[name].defaults)}, name
            rule_thresholds(config)
    intro = DOCS.read_text(encoding="utf-8").split("\n## ", 1)[0]
    for block in re.findall(r"```toml\n(.*?)```", intro, flags=re.S):
        rule_thresholds(tomllib.loads(block)["alerts"]["rules"])
