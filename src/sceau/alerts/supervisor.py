"""The supervision round: read what the trail gained, run every rule, raise, escalate.

``sceau alerts run`` calls :meth:`Supervisor.round` every interval (``sceau serve`` will too).
The rules read the audit trail from where the last round stopped (a cursor in the store), so
each event is judged once; state rules (staging past retention, a run left unverified) look at
the store as it is now. A round also signs an audit checkpoint when the trail grew.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from sceau.alerts.channels import Channel, open_channels
from sceau.alerts.escalation import Escalation, escalate
from sceau.alerts.model import Alert, Finding
from sceau.alerts.policy import Policy, PolicyError, load_policy
from sceau.alerts.records import raise_alerts
from sceau.alerts.rules import RULES, RuleContext, rule_thresholds
from sceau.audit.entry import LoggedEvent
from sceau.audit.sink import AuditLog
from sceau.config import Settings
from sceau.store.schema import alert_cursor

_CURSOR = 1


@dataclass
class Round:
    """What one round did."""

    read: int = 0  # audit entries judged
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
        missing = policy.channels() - set(channels)
        if missing:
            name = sorted(missing)[0]
            raise PolicyError(
                f"a tier notifies through {name}, which is not configured",
                hint=f"add an [alerts.{'webhooks' if name == 'webhook' else name}] table",
                where="alerts.tiers",
            )
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
        """Evaluate, raise, escalate, checkpoint: one pass, as of the clock's now."""
        now = self.clock()
        result = Round()
        findings, result.read = self.evaluate(now)
        result.raised = raise_alerts(self.engine, self.log, findings, now)
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

    def evaluate(self, now: datetime) -> tuple[list[Finding], int]:
        """Every rule's findings on the entries since the cursor, which then moves past them."""
        new = list(self.log.read(after=self._cursor()))
        findings: list[Finding] = []
        for name, rule in RULES.items():
            context = RuleContext(
                now=now,
                new=new,
                history=self._history,
                engine=self.engine,
                thresholds=self.thresholds.get(name, {}),
            )
            findings.extend(rule().evaluate(context))
        if new:
            self._move_cursor(new[-1].seq, now)
        return findings, len(new)

    def _history(self, since: datetime, names: frozenset[str]) -> list[LoggedEvent]:
        return list(self.log.read(since=since, names=names))

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
