"""The demo's bad day: an operator reaches beyond the mandate, and supervision answers.

The refusal becomes an alert; the alert is e-mailed to the on-call operator (a mail server the
demo runs on loopback), climbs to the security officer when nobody answers within 15 minutes
(the demo moves its own clock), and stops once acknowledged. Then ``sceau audit verify``: the
trail is intact — until someone with database access edits one entry of a copy.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from sceau.accounts import Role, User, add_user
from sceau.alerts.channels import open_channels
from sceau.alerts.policy import load_policy
from sceau.alerts.records import acknowledge
from sceau.alerts.rules import rule_thresholds
from sceau.alerts.rules.off_hours import AROUND_THE_CLOCK
from sceau.alerts.supervisor import Supervisor
from sceau.audit.sink import AuditLog
from sceau.audit.verify import verify_log
from sceau.cli._mailsink import MailSink
from sceau.config import Settings
from sceau.errors import SceauError
from sceau.events import AuditVerified
from sceau.keys import open_provider
from sceau.mandate.model import MandateError
from sceau.migrate.pipeline import migrate
from sceau.migrate.session import MigrationSession
from sceau.store import open_store


class Story(Protocol):
    """What the bad day needs of the demo's story (:class:`sceau.cli.demo.Story` is one): where
    it writes, its console, installation and throw-away password, and who logs in."""

    console: Console
    out: Path
    password: str
    settings: Settings
    engine: Engine
    events: AuditLog
    operator: str

    def say(self, text: str) -> None: ...

    def login_as(self, name: str, action: str) -> User: ...


SECURITY_OFFICER = "rssi.bernard"


class DemoClock:
    """The demo's time: the real one, plus the minutes the story skips."""

    def __init__(self) -> None:
        self.skipped = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.skipped

    def skip(self, minutes: int) -> None:
        self.skipped += timedelta(minutes=minutes)


def tell_bad_day(story: Story, mandate: Path) -> None:
    with MailSink() as sink:
        clock = DemoClock()
        supervisor = _supervisor(story, sink.port, clock)
        _off_mandate_attempt(story, mandate)
        _alerts(story, supervisor, sink, clock)
    _audit(story)


def _supervisor(story: Story, port: int, clock: DemoClock) -> Supervisor:
    config = {
        "email": {"host": "127.0.0.1", "port": port, "sender": "sceau@vendor.example"},
        "tiers": [
            {
                "name": "on-call operator",
                "notify": ["email:oncall@vendor.example"],
                "ack_minutes": 15,
            },
            {
                "name": "security officer",
                "notify": ["email:rssi@vendor.example"],
                "ack_minutes": 30,
            },
            {"name": "lab A's DPO", "notify": ["email:dpo@lab-a.example"], "ack_minutes": 60},
        ],
    }
    supervisor = Supervisor(
        story.engine,
        story.events,
        load_policy(config),
        open_channels(config, {}),
        # the demo runs whenever someone tries it: its labs work around the clock, so that the
        # bad day's alert is the one it tells, in the evening or on a Sunday too
        thresholds=rule_thresholds({"off-hours": AROUND_THE_CLOCK}),
        installation=story.settings.installation,
        clock=clock,
    )
    supervisor.evaluate(clock())  # the good days are judged already: start from here
    return supervisor


def _tier(name: str, address: str, minutes: int) -> dict[str, object]:
    return {"name": name, "notify": [f"email:{address}"], "ack_minutes": minutes}


def _off_mandate_attempt(story: Story, mandate: Path) -> None:
    story.console.rule("[bold]6. A bad day: the operator reaches beyond the mandate")
    user = story.login_as(story.operator, "migrate")
    body = mandate.read_text(encoding="utf-8")
    match = re.search(r'^(\w+) = \{ treatment = "drop"', body, flags=re.MULTILINE)
    if match is None:
        raise SceauError("the mandate drops no column", hint="update the demo")
    column = match.group(1)
    altered = mandate.with_name("mandate-lab-a-one-more-column.toml")
    altered.write_text(body.replace(match.group(0), f'{column} = {{ treatment = "keep"', 1))
    shutil.copy(mandate.with_name(mandate.name + ".sig"), altered.with_name(altered.name + ".sig"))
    provider = open_provider(story.settings)
    try:
        session = MigrationSession(story.settings, story.engine, story.events, provider, user.name)
        migrate(session, altered)
    except MandateError as error:
        story.say(
            f"  {user.name} edits the signed mandate to take one more column, {column}, which "
            f"the director dropped. sceau refuses: {error.message}. The refusal is in the audit "
            "trail under their name."
        )
    else:
        raise SceauError("the off-mandate column was not refused", hint="this is a bug")
    finally:
        provider.close()


def _alerts(story: Story, supervisor: Supervisor, sink: MailSink, clock: DemoClock) -> None:
    story.console.rule("[bold]7. The alert climbs until someone answers")
    first = supervisor.round()
    for alert in first.raised:
        story.say(escape(f"  alert {alert.alert_id} ({alert.severity}): {alert.summary}"))
    _mails(story, sink, 0)
    clock.skip(16)
    story.say("  16 minutes later nobody has acknowledged it, so it climbs a tier:")
    supervisor.round()
    _mails(story, sink, 1)
    add_user(story.engine, story.events, SECURITY_OFFICER, Role.ADMIN, story.password, by="admin")
    officer = story.login_as(SECURITY_OFFICER, "alerts.answer")
    for alert in first.raised:
        acknowledge(story.engine, story.events, alert.alert_id, officer.name, clock())
        story.say(f"  {officer.name} acknowledges alert {alert.alert_id}: the ladder stops.")
    clock.skip(120)
    supervisor.round()
    told = len(sink.messages)
    story.say(f"  Two hours later still {told} e-mails in all: nobody else was woken up.")


def _mails(story: Story, sink: MailSink, start: int) -> None:
    for message in sink.messages[start:]:
        story.say(escape(f"  e-mail to {message['To']}: {message['Subject']}"))


def _audit(story: Story) -> None:
    story.console.rule("[bold]8. sceau audit verify: nobody rewrites the trail unseen")
    log = story.events
    result = verify_log(log)
    if not result.intact:
        raise SceauError("the demo's own audit trail does not verify", hint="this is a bug")
    log.record(AuditVerified(actor="admin", size=result.size, checkpoints=result.checkpoints))
    story.say(
        f"  Intact: {result.size} entries, each sealed, and {result.checkpoints} signed "
        "checkpoint(s) agree."
    )
    copy = story.out / "state-edited-copy.db"
    with sqlite3.connect(story.settings.home / "state.db") as source, sqlite3.connect(copy) as to:
        source.backup(to)
    position = _rewrite_who_was_refused(copy)
    engine = open_store(f"sqlite:///{copy}")
    try:
        edited = verify_log(AuditLog(engine, log.key))
    finally:
        engine.dispose()
    story.say(
        f"  Someone with database access edits a copy of the store to change who was refused "
        f"(entry {position}). sceau audit verify on that copy says:"
    )
    story.say(f"  [red]{escape(f'TAMPERED: {edited.first}')}[/red]")


def _rewrite_who_was_refused(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        seq, entry = connection.execute(
            "SELECT seq, entry FROM audit_entries WHERE name = 'mandate.refused' "
            "ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        connection.execute(
            "UPDATE audit_entries SET entry = ? WHERE seq = ?",
            (entry.replace(b'"actor":"op.durand"', b'"actor":"nobody.x"'), seq),
        )
    return int(seq)
