"""incident-clock: a legal clock nearing its due time raises a high alert, an overdue one a
critical alert that climbs the ladder until someone answers; a met clock raises nothing."""

from __future__ import annotations

import pytest
from tests.alerts.test_escalation import engine, recipients, world  # noqa: F401  (fixtures)

from sceau.alerts.model import Severity
from sceau.alerts.records import list_alerts
from sceau.alerts.rules import RuleError, rule_thresholds
from sceau.trace.incidents import ClockKind, Deadlines, Nature, open_incident, record_met

LAB = "130000011"


def test_an_overdue_clock_escalates_and_a_met_one_is_quiet(world) -> None:  # noqa: F811
    supervisor, log, clock, inbox, _ = world
    open_incident(
        supervisor.engine,
        log,
        title="a stray extract on a maintenance server",
        labs=[LAB],
        nature=(Nature.CONFIDENTIALITY,),
        aware_by="the security officer",
        by="op.durand",
        now=clock.now,
        deadlines=Deadlines(notice=24, ars=48),
    )
    assert supervisor.round().raised == []  # a day to go for the first clock: nothing yet

    clock.advance(13 * 60)  # 11 hours before the notice is due: within warn_hours (12)
    (due,) = supervisor.round().raised
    assert (due.rule, due.severity, due.facts["clock"]) == (
        "incident-clock",
        Severity.HIGH,
        "notice",
    )
    assert "is due" in due.summary
    assert recipients(inbox) == ["oncall@lab.example"]

    record_met(
        supervisor.engine, log, 1, LAB, ClockKind.NOTICE,
        reference="letter 7", by="op.durand", now=clock.now,
    )  # fmt: skip
    clock.advance(11 * 60 + 1)  # the notice's due time passes: it was met, so no alert for it
    assert [a.facts["clock"] for a in supervisor.round().raised] == []

    clock.advance(37 * 60 - 1)  # 61 h: the ARS report is overdue, the CNIL's due in 11 h
    raised = {(a.facts["clock"], a.severity) for a in supervisor.round().raised}
    assert raised == {("ars", Severity.CRITICAL), ("cnil", Severity.HIGH)}
    overdue = next(a for a in list_alerts(supervisor.engine) if a.severity is Severity.CRITICAL)
    assert "was due" in overdue.summary
    assert overdue.facts["finess"] == LAB

    before = len(inbox.envelopes)
    clock.advance(16)  # nobody acknowledged within the first tier's 15 minutes: it climbs
    escalated = supervisor.round().escalations
    assert overdue.alert_id in {e.alert_id for e in escalated}
    assert "rssi@lab.example" in recipients(inbox)[before:]
    assert supervisor.round().raised == []  # one alert per clock, however many rounds


def test_warn_hours_is_a_threshold_of_the_settings() -> None:
    assert rule_thresholds({"incident-clock": {"warn_hours": 6}})["incident-clock"] == {
        "warn_hours": 6
    }
    with pytest.raises(RuleError, match="greater than zero"):
        rule_thresholds({"incident-clock": {"warn_hours": 0}})
