"""What a detection rule is: it reads the audit trail (and the store's state) and reports findings.

Rules register by name, one file each (entry points of ``sceau.alert_rules``). A rule sees the
events added since the last evaluation (``context.new``) and may look back over older ones
(``context.history``); state rules (staging past retention, a run left unverified) query the
store instead. Thresholds come from the
``[alerts.rules.<name>]`` table of the settings, with the rule's own defaults.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Engine

from sceau.alerts.model import Fact, Finding, Severity
from sceau.audit.entry import LoggedEvent
from sceau.errors import SceauError
from sceau.plugins import Registry

_MOST = {"minutes": 366 * 24 * 60, "hours": 366 * 24, "baseline_days": 366}  # a year at most


class RuleError(SceauError):
    """A rule's configuration is invalid."""


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at, as of ``now`` (a controllable clock in tests)."""

    now: datetime
    new: Sequence[LoggedEvent]  # events recorded since the last evaluation, oldest first
    history: Callable[[datetime, frozenset[str]], list[LoggedEvent]]  # (since, names) -> events
    engine: Engine
    thresholds: Mapping[str, object] = field(default_factory=dict)  # this rule's settings

    def events(self, since: datetime, names: frozenset[str]) -> list[LoggedEvent]:
        """``history`` and ``new`` together, each event once, oldest first.

        A rule that looks back (a baseline, a sliding window) needs the new events too, whether
        or not the store's ``history`` already returns them.
        """
        seen = {event.seq: event for event in self.history(since, names)}
        for event in self.new:
            if event.name in names and event.at >= since:
                seen.setdefault(event.seq, event)
        return sorted(seen.values(), key=lambda event: event.seq)


class Rule(ABC):
    """One detection. Subclasses set the class attributes; an entry point registers each."""

    name: ClassVar[str]  # stable: alerts, settings and docs key on it
    severity: ClassVar[Severity]
    description: ClassVar[str]  # one plain sentence: what it catches
    defaults: ClassVar[Mapping[str, object]] = {}  # thresholds, overridable in settings

    def finding(
        self, key: str, summary: str, facts: dict[str, Fact] | None = None, *, once: bool = False
    ) -> Finding:
        """What this rule saw about ``key``, at the rule's severity."""
        return Finding(self.name, self.severity, key, summary, facts or {}, once)

    def threshold(self, context: RuleContext, name: str) -> object:
        return context.thresholds.get(name, self.defaults[name])

    @classmethod
    def check(cls, thresholds: Mapping[str, object]) -> None:
        """Raise RuleError for a threshold whose value (already of the right type) makes no sense.

        By default every number must be above zero; a rule with text thresholds (a time zone,
        hours) checks them too, so a typo fails when the settings load, not at 3 a.m.
        """
        for key, value in thresholds.items():
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            most = _MOST.get(key, 10**12)
            if not 0 < value <= most:
                raise RuleError(
                    f"must be greater than zero and at most {most:,}",
                    hint=f"see docs/alert-rules.md for {cls.name}'s thresholds",
                    where=f"alerts.rules.{cls.name}.{key}",
                )

    @abstractmethod
    def evaluate(self, context: RuleContext) -> Iterable[Finding]:
        """Findings as of ``context.now``; none on a normal day."""


RULES: Registry[type[Rule]] = Registry(
    "sceau.alert_rules", "alert rule", name_of=lambda cls: cls.name
)
