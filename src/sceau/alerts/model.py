"""What an alert is: a rule's finding, with a severity, climbing tiers until someone answers.

A finding says *that* something happened and *who* (an account, a run id, a mandate hash) —
never a value from a patient's record. An alert folds every finding with the same rule and key
while it is open, so one incident is one alert however many times the rule sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class State(StrEnum):
    OPEN = "open"  # climbing the ladder until acknowledged
    ACKNOWLEDGED = "acknowledged"  # a named person is on it: no more escalation
    RESOLVED = "resolved"  # closed, with who and why


Fact = str | int | float | bool | None


@dataclass(frozen=True)
class Finding:
    """One thing a rule saw. ``key`` names what it is about (``user:alice``, ``run:…``)."""

    rule: str
    severity: Severity
    key: str
    summary: str  # plain words for a person: names, counts, times; no data value
    facts: dict[str, Fact] = field(default_factory=dict)
    once: bool = False  # True: never raise again for this key, even after it was resolved

    def __post_init__(self) -> None:
        # column names come from the data's own headers: no line breaks or escape codes
        # reach an e-mail header, a terminal or a syslog line
        object.__setattr__(self, "summary", printable(self.summary))
        object.__setattr__(
            self,
            "facts",
            {k: printable(v) if isinstance(v, str) else v for k, v in self.facts.items()},
        )


def printable(text: str) -> str:
    """``text`` with every control character (line breaks, ANSI escapes) made a space."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


@dataclass(frozen=True)
class Alert:
    """An alert as stored (the ``alerts`` table)."""

    alert_id: int
    rule: str
    key: str
    severity: Severity
    state: State
    summary: str
    facts: dict[str, Fact]
    count: int
    raised_at: datetime
    last_seen: datetime
    tier: int
    notified_at: datetime | None
    ack_deadline: datetime | None
    acked_by: str | None
    acked_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    resolution: str | None
