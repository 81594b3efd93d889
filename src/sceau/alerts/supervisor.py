"""The supervision round: read what the trail gained, run every rule, raise, escalate.

``sceau alerts run`` calls :meth:`Supervisor.round` every interval (``sceau serve`` will too).
The rules read the audit trail from where the last round stopped (a cursor in the store), so
each event is judged once; state rules (staging past retention, a run left unverified) look at
the store as it is now. A round also signs an audit checkpoint when the trail grew.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, text, update

from sceau.alerts.channels import CHANNELS, Channel, ChannelError, open_channels
from sceau.alerts.escalation import Escalation, escalate
from sceau.alerts.integrity import altered_alerts
from sceau.alerts.model import Alert, Finding
from sceau.alerts.policy import Policy, PolicyError, load_policy
from sceau.alerts.records import raise_alerts
from sceau.alerts.rules import RULES, RuleContext, rule_thresholds
from sceau.alerts.rules.audit_verification import verification_finding
from sceau.audit.entry import EntryError, LoggedEvent, decode
from sceau.audit.sink import AuditLog
from sceau.config import Settings
from sceau.store.schema import alert_cursor

_CURSOR = 1
_LOCK = 0x5CEA_A1E7  # the supervisor's advisory lock on PostgreSQL


@dataclass
class Round:
    """What one round did."""

    read: int = 0  # audit entries judged
    busy: bool = False  # another supervisor held the store: nothing was done
    raised: list[Alert] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)


class Supervisor:
    def __init__(
        self,
        engine: Engine,
        log: AuditLog,
        policy: Policy,
        channels: Mapping[str, Channel],
        *,
        thresholds: Mapping[str, Mapping[str, object]] | None = None,
        installation: str = "sceau",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        _check_recipients(policy, channels)
        self.engine = engine
        self.log = log
        self.policy = policy
        self.channels = channels
        self.thresholds = thresholds if thresholds is not None else rule_thresholds({})
        self.installation = installation
        self.clock = clock

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        engine: Engine,
        log: AuditLog,
        env: Mapping[str, str],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> Supervisor:
        config = settings.alerts
        rules = config.get("rules", {})
        return cls(
            engine,
            log,
            load_policy(config),
            open_channels(config, env),
            thresholds=rule_thresholds(rules if isinstance(rules, Mapping) else {}),
            installation=settings.installation,
            clock=clock,
        )

    def round(self) -> Round:
        """Evaluate, raise, escalate, checkpoint: one pass, as of the clock's now.

        Only one supervisor evaluates a store at a time: a second one waits for the next round.
        """
        now = self.clock()
        result = Round()
        with exclusive(self.engine) as alone:
            if not alone:
                result.busy = True
                return result
            findings, result.read, last = self.evaluate(now)
            findings += altered_alerts(self.engine, self.log)
            result.raised = raise_alerts(self.engine, self.log, findings, now)
            if last is not None:  # only once their alerts are raised: a failure re-reads them
                self._move_cursor(last, now)
            result.escalations = escalate(
                self.engine,
                self.log,
                self.policy,
                self.channels,
                now,
                installation=self.installation,
            )
        self.log.checkpoint()
        return result

    def evaluate(self, now: datetime) -> tuple[list[Finding], int, int | None]:
        """Every rule's findings on the entries since the cursor, how many, and the last one's
        position. A leaf that cannot be read is a finding itself, not the end of supervision."""
        new: list[LoggedEvent] = []
        findings: list[Finding] = []
        last = None
        for seq, entry in self.log.numbered(after=self._cursor()):
            last = seq
            try:
                new.append(decode(entry))
            except EntryError:
                findings.append(
                    verification_finding(
                        f"entry {seq}",
                        "it cannot be read: it is not what sceau wrote",
                        by="sceau",
                        key=f"entry:{seq}",
                    )
                )
        for name, rule in RULES.items():
            context = RuleContext(
                now=now,
                new=new,
                history=self._history,
                engine=self.engine,
                thresholds=self.thresholds.get(name, {}),
            )
            findings.extend(rule().evaluate(context))
        return findings, len(new), last

    def _history(self, since: datetime, names: frozenset[str]) -> list[LoggedEvent]:
        found = []
        for _seq, entry in self.log.numbered(since=since, names=names):
            with contextlib.suppress(EntryError):  # reported once, as a finding, when new
                found.append(decode(entry))
        return found

    def _cursor(self) -> int:
        with self.engine.connect() as connection:
            seq = connection.execute(
                select(alert_cursor.c.seq).where(alert_cursor.c.id == _CURSOR)
            ).scalar_one_or_none()
        return -1 if seq is None else seq

    def _move_cursor(self, seq: int, now: datetime) -> None:
        with self.engine.begin() as connection:
            moved = connection.execute(
                update(alert_cursor)
                .where(alert_cursor.c.id == _CURSOR)
                .values(seq=seq, evaluated_at=now)
            )
            if moved.rowcount == 0:
                connection.execute(
                    insert(alert_cursor).values(id=_CURSOR, seq=seq, evaluated_at=now)
                )


def _check_recipients(policy: Policy, channels: Mapping[str, Channel]) -> None:
    """Every recipient of every tier reachable as configured, before the first alert needs it."""
    for number, tier in enumerate(policy.tiers, start=1):
        for recipient in tier.notify:
            name, _, address = recipient.partition(":")
            where = f"alerts.tiers[{number}].notify"
            channel = channels.get(name)
            if channel is None:
                raise PolicyError(
                    f"a tier notifies through {name}, which is not configured",
                    hint=f"add {CHANNELS[name].settings_table()}"
                    if name in CHANNELS
                    else f"the channels are {', '.join(CHANNELS)}",
                    where=where,
                )
            try:
                channel.check(address)
            except ChannelError as error:
                raise PolicyError(error.message, hint=error.hint, where=where) from None


@contextlib.contextmanager
def exclusive(engine: Engine) -> Iterator[bool]:
    """Whether this process may supervise the store now: a PostgreSQL advisory lock, or a
    lock file beside an SQLite store; released when the round ends (or the process dies)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK}).scalar()
            try:
                yield bool(got)
            finally:
                if got:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK})
                connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield True
        return
    with open(f"{database}.supervisor.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
