"""Escalation with a clock the test moves: real e-mails (aiosmtpd) and signed webhooks (HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from tests.alerts.servers import Inbox, Receiver

from sceau.alerts.channels import open_channels
from sceau.alerts.channels.webhook import verify_signature
from sceau.alerts.model import Severity, State
from sceau.alerts.policy import PolicyError, load_policy
from sceau.alerts.records import AlertError, acknowledge, list_alerts, resolve
from sceau.alerts.supervisor import Supervisor, exclusive
from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog
from sceau.events import DriftRefused, LoginFailed, MandateRefused
from sceau.store import StoreError, open_store

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SECRET = "soc-webhook-secret"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)


def alerts_config(smtp_port: int, webhook_url: str) -> dict[str, object]:
    return {
        "email": {"host": "127.0.0.1", "port": smtp_port, "sender": "sceau@lab.example"},
        "webhooks": {"soc": {"url": webhook_url, "attempts": 1}},
        "tiers": [
            {"name": "on-call operator", "notify": ["email:oncall@lab.example"], "ack_minutes": 15},
            {
                "name": "security officer",
                "notify": ["email:rssi@lab.example", "webhook:soc"],
                "ack_minutes": 30,
            },
            {"name": "controller's DPO", "notify": ["email:dpo@lab.example"], "ack_minutes": 60},
        ],
    }


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield made
    made.dispose()


@pytest.fixture
def world(engine: Engine, smtp_server: tuple[Inbox, int], receiver: Receiver):
    inbox, port = smtp_server
    clock = Clock()
    log = AuditLog(engine, AuditKey.generate(), clock=clock)
    config = alerts_config(port, receiver.url)
    supervisor = Supervisor(
        engine,
        log,
        load_policy(config),
        open_channels(config, {"SCEAU_WEBHOOK_SECRET": SECRET}),
        clock=clock,
    )
    return supervisor, log, clock, inbox, receiver


def recipients(inbox: Inbox) -> list[str]:
    return [rcpt for envelope in inbox.envelopes for rcpt in envelope.rcpt_tos]


def refuse_a_mandate(log: AuditLog, at: datetime) -> None:
    log.record(MandateRefused(actor="otto", mandate_sha256="ab" * 32, reason="changed", at=at))


def test_an_alert_climbs_until_acknowledged_then_stops(world) -> None:
    supervisor, log, clock, inbox, receiver = world
    refuse_a_mandate(log, clock.now)

    first = supervisor.round()
    assert [a.rule for a in first.raised] == ["beyond-mandate"]
    assert recipients(inbox) == ["oncall@lab.example"]
    alert_id = first.raised[0].alert_id
    assert f"alert {alert_id}" in inbox.message(0)["Subject"]
    assert f"sceau alerts ack {alert_id}" in inbox.message(0).get_content()

    clock.advance(14)  # within the on-call operator's 15 minutes
    assert supervisor.round().escalations == []
    assert recipients(inbox) == ["oncall@lab.example"]

    clock.advance(2)  # past it: the security officer, by e-mail and by the SOC's webhook
    second = supervisor.round()
    assert [e.tier for e in second.escalations] == ["security officer"]
    assert recipients(inbox)[1:] == ["rssi@lab.example"]
    ((headers, body),) = receiver.requests
    assert verify_signature(
        SECRET.encode(), headers["X-Sceau-Timestamp"], body, headers["X-Sceau-Signature"]
    )
    assert json.loads(body)["alert_id"] == alert_id
    assert json.loads(body)["tier"] == "security officer"

    acknowledge(supervisor.engine, log, alert_id, "rssi.bernard", clock.now)
    clock.advance(24 * 60)  # a day later: nobody else was told
    assert supervisor.round().escalations == []
    assert len(inbox.envelopes) == 2
    (alert,) = list_alerts(supervisor.engine)
    assert (alert.state, alert.acked_by, alert.tier) == (State.ACKNOWLEDGED, "rssi.bernard", 1)

    resolve(
        supervisor.engine,
        log,
        alert_id,
        "rssi.bernard",
        "operator retrained; no data left",
        clock.now,
    )
    assert list_alerts(supervisor.engine) == []
    (closed,) = list_alerts(supervisor.engine, states=tuple(State))
    assert closed.resolution == "operator retrained; no data left"
    names = log.names()
    assert names.index("alert.raised") < names.index("alert.acknowledged")
    assert names[-1] == "alert.resolved"


def test_an_unanswered_alert_reaches_the_last_tier_and_reminds_it(world) -> None:
    supervisor, log, clock, inbox, _ = world
    refuse_a_mandate(log, clock.now)
    supervisor.round()
    for minutes in (16, 31, 61, 61):
        clock.advance(minutes)
        supervisor.round()
    assert recipients(inbox) == [
        "oncall@lab.example",
        "rssi@lab.example",
        "dpo@lab.example",
        "dpo@lab.example",  # reminded each period on the last tier
        "dpo@lab.example",
    ]
    last = inbox.message(4).get_content()
    assert "controller's DPO" in last


def test_one_incident_is_one_alert_however_often_it_is_seen(world) -> None:
    supervisor, log, clock, inbox, _ = world
    for _ in range(7):
        log.record(LoginFailed(actor="mallory", user="mallory", reason="password", at=clock.now))
        clock.advance(1)
        supervisor.round()
    (alert,) = list_alerts(supervisor.engine)
    assert alert.rule == "failed-auth"
    assert alert.count == 3  # the 5th, 6th and 7th failure in the window
    assert recipients(inbox) == ["oncall@lab.example"]


def test_a_dead_channel_makes_the_next_round_climb_at_once(
    engine: Engine, receiver: Receiver, tmp_path: Path
) -> None:
    clock = Clock()
    log = AuditLog(engine, AuditKey.generate(), clock=clock)
    config = alerts_config(1, receiver.url)  # nothing listens on port 1
    supervisor = Supervisor(
        engine,
        log,
        load_policy(config),
        open_channels(config, {"SCEAU_WEBHOOK_SECRET": SECRET}),
        clock=clock,
    )
    refuse_a_mandate(log, clock.now)
    first = supervisor.round()
    assert first.escalations[0].delivered == ()
    assert "alert.notification_failed" in log.names()
    second = supervisor.round()  # same minute: the security officer, whose webhook works
    assert second.escalations[0].tier == "security officer"
    assert second.escalations[0].delivered == ("webhook:soc",)


def test_severity_chooses_the_ladder() -> None:
    policy = load_policy(
        {**alerts_config(1, "http://x"), "ladders": {"high": ["controller's DPO"]}}
    )
    assert [t.name for t in policy.ladder(Severity.HIGH)] == ["controller's DPO"]
    assert [t.name for t in policy.ladder(Severity.MEDIUM)] == [
        "on-call operator",
        "security officer",
    ]
    assert [t.name for t in policy.ladder(Severity.LOW)] == ["on-call operator"]
    assert len(policy.ladder(Severity.CRITICAL)) == 3


@pytest.mark.parametrize(
    ("config", "where"),
    [
        ({"tiers": {"name": "x"}}, "alerts.tiers"),
        ({"tiers": [{"notify": []}]}, "alerts.tiers[1]"),
        ({"tiers": [{"name": "a", "notify": ["oncall@lab.example"]}]}, "alerts.tiers[1].notify"),
        ({"tiers": [{"name": "a", "ack_minutes": 0}]}, "alerts.tiers[1].ack_minutes"),
        ({"tiers": [{"name": "a"}], "ladders": {"urgent": ["a"]}}, "alerts.ladders.urgent"),
        ({"tiers": [{"name": "a"}], "ladders": {"low": ["b"]}}, "alerts.ladders.low"),
    ],
)
def test_a_bad_policy_is_named(config: dict[str, object], where: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(config)
    assert caught.value.where == where


def test_a_tier_naming_an_unconfigured_channel_is_refused(engine: Engine) -> None:
    policy = load_policy({"tiers": [{"name": "a", "notify": ["email:x@lab.example"]}]})
    with pytest.raises(PolicyError, match="email, which is not configured"):
        Supervisor(engine, AuditLog(engine, AuditKey.generate()), policy, {})


def test_answers_are_checked(world) -> None:
    supervisor, log, clock, _, _ = world
    refuse_a_mandate(log, clock.now)
    (alert,) = supervisor.round().raised
    with pytest.raises(AlertError, match="say why"):
        resolve(supervisor.engine, log, alert.alert_id, "rssi", "ok", clock.now)
    with pytest.raises(AlertError, match="no alert 99"):
        acknowledge(supervisor.engine, log, 99, "rssi", clock.now)
    acknowledge(supervisor.engine, log, alert.alert_id, "rssi", clock.now)
    with pytest.raises(AlertError, match="already acknowledged"):
        acknowledge(supervisor.engine, log, alert.alert_id, "dpo", clock.now)


def test_the_rules_judge_each_entry_once(world) -> None:
    supervisor, log, clock, _, _ = world
    refuse_a_mandate(log, clock.now)
    assert supervisor.round().read == 1
    again = supervisor.round()
    assert again.raised == []
    assert again.read >= 1  # only the round's own alert.* entries


def test_an_unreadable_entry_is_an_alert_not_the_end_of_supervision(world) -> None:
    supervisor, log, clock, _, _ = world
    refuse_a_mandate(log, clock.now)
    with supervisor.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_entries SET entry = X'7b22' WHERE seq = 0")
    raised = supervisor.round().raised
    assert sorted(a.rule for a in raised) == ["audit-verification"]
    assert "entry 0" in raised[0].summary
    assert supervisor.round().raised == []  # judged once


def test_a_failed_round_reads_its_entries_again(world, monkeypatch: pytest.MonkeyPatch) -> None:
    supervisor, log, clock, _, _ = world
    refuse_a_mandate(log, clock.now)
    import sceau.alerts.supervisor as module

    def broken(*args, **kwargs):
        raise StoreError("the store is unreachable")

    monkeypatch.setattr(module, "raise_alerts", broken)
    with pytest.raises(StoreError):
        supervisor.round()
    monkeypatch.undo()
    assert [a.rule for a in supervisor.round().raised] == ["beyond-mandate"]


def test_one_supervisor_at_a_time(world) -> None:
    supervisor, log, clock, _, _ = world
    refuse_a_mandate(log, clock.now)
    with exclusive(supervisor.engine) as alone:
        assert alone
        assert supervisor.round().busy
    assert [a.rule for a in supervisor.round().raised] == ["beyond-mandate"]


def test_control_characters_never_reach_a_header_or_a_terminal(world) -> None:
    supervisor, log, clock, inbox, _ = world
    log.record(
        DriftRefused(
            actor="otto",
            mandate_sha256="ab" * 32,
            column="dose\r\nBcc: everyone@x\x1b[31m",
            reason="an added column",
            at=clock.now,
        )
    )
    (alert,) = supervisor.round().raised
    assert "\n" not in alert.summary
    assert "\x1b" not in alert.summary
    assert len(inbox.envelopes) == 1
    assert inbox.envelopes[0].rcpt_tos == ["oncall@lab.example"]


def test_an_acknowledged_incident_that_comes_back_later_is_a_new_alert(world) -> None:
    supervisor, log, clock, inbox, _ = world
    for _ in range(5):
        log.record(LoginFailed(actor="mallory", user="mallory", reason="password", at=clock.now))
    (first,) = supervisor.round().raised
    acknowledge(supervisor.engine, log, first.alert_id, "rssi", clock.now)
    clock.advance(4 * 24 * 60)
    for _ in range(5):
        log.record(LoginFailed(actor="mallory", user="mallory", reason="password", at=clock.now))
    (second,) = supervisor.round().raised
    assert second.alert_id != first.alert_id
    assert len(inbox.envelopes) == 2


def test_absurd_numbers_in_the_settings_are_named_not_crashes() -> None:
    from sceau.alerts.rules import RuleError, rule_thresholds

    with pytest.raises(PolicyError, match="from 1 to a week"):
        load_policy({"tiers": [{"name": "a", "ack_minutes": 10**18}]})
    with pytest.raises(RuleError, match="at most") as caught:
        rule_thresholds({"failed-auth": {"minutes": 10**14}})
    assert caught.value.where == "alerts.rules.failed-auth.minutes"


@pytest.mark.parametrize(
    ("notify", "needle"),
    [
        (["webhook:soc2"], "no webhook is named 'soc2'"),
        (["syslog:siem"], "syslog, which is not configured"),
        (["email:nobody"], "is not an address"),
        (["sms:0600000000"], "the channels are email, syslog, webhook"),
    ],
)
def test_a_recipient_that_could_never_be_reached_is_refused_at_start(
    engine: Engine, notify: list[str], needle: str
) -> None:
    config = {
        "email": {"host": "127.0.0.1", "port": 25, "sender": "sceau@lab.example"},
        "webhooks": {"soc": {"url": "http://127.0.0.1:9/hook"}},
        "tiers": [{"name": "a", "notify": notify}],
    }
    with pytest.raises(PolicyError, match=needle) as caught:
        Supervisor(
            engine,
            AuditLog(engine, AuditKey.generate()),
            load_policy(config),
            open_channels(config, {"SCEAU_WEBHOOK_SECRET": SECRET}),
        )
    assert caught.value.where == "alerts.tiers[1].notify"


def test_a_webhook_without_its_secret_is_refused_at_start(engine: Engine) -> None:
    config = {
        "webhooks": {"soc": {"url": "http://127.0.0.1:9/hook"}},
        "tiers": [{"name": "a", "notify": ["webhook:soc"]}],
    }
    with pytest.raises(PolicyError, match="no secret is set"):
        Supervisor(
            engine,
            AuditLog(engine, AuditKey.generate()),
            load_policy(config),
            open_channels(config, {}),
        )


def test_failures_answered_by_a_resolution_do_not_count_again(world) -> None:
    supervisor, log, clock, _, _ = world
    for _ in range(5):
        log.record(LoginFailed(actor="mallory", user="mallory", reason="password", at=clock.now))
    (alert,) = supervisor.round().raised
    clock.advance(1)
    resolve(
        supervisor.engine, log, alert.alert_id, "rssi", "mallory forgot a new password", clock.now
    )
    clock.advance(1)
    log.record(LoginFailed(actor="mallory", user="mallory", reason="password", at=clock.now))
    assert supervisor.round().raised == []  # one failure since the answer, not six


@pytest.mark.parametrize(
    ("statement", "change"),
    [
        ("DELETE FROM alerts WHERE alert_id = 1", "deleted"),
        ("UPDATE alerts SET state = 'resolved' WHERE alert_id = 1", "resolved-not-open"),
    ],
)
def test_an_alert_changed_outside_sceau_is_an_alert(world, statement: str, change: str) -> None:
    """The table moves, so no trigger freezes it: the sealed trail is what it is held to."""
    supervisor, log, clock, _, _ = world
    refuse_a_mandate(log, clock.now)
    supervisor.round()
    with supervisor.engine.begin() as connection:
        connection.exec_driver_sql(statement)
    raised = supervisor.round().raised
    assert [(a.rule, a.facts["change"]) for a in raised] == [("audit-verification", change)]
    assert raised[0].severity is Severity.CRITICAL
    assert supervisor.round().raised == []  # once
