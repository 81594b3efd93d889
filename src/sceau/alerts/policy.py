"""The escalation policy: named tiers of people, and which tiers each severity climbs.

From the ``[alerts]`` table of the settings::

    [[alerts.tiers]]
    name = "on-call operator"
    notify = ["email:oncall@lab.example", "webhook:soc"]
    ack_minutes = 15

    [[alerts.tiers]]
    name = "security officer"
    notify = ["email:rssi@lab.example"]
    ack_minutes = 30

    [alerts.ladders]          # optional: by default critical and high climb every tier,
    low = ["on-call operator"]  # medium the first two, low the first only

An alert is told to its ladder's first tier at once; unacknowledged past that tier's
``ack_minutes``, it climbs to the next; on the last tier it is told again each period.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sceau.alerts.model import Severity
from sceau.errors import SceauError

_HINT = "see docs/alerts.md for the escalation policy"
_WEEK = 7 * 24 * 60  # nobody should have longer than this to acknowledge


class PolicyError(SceauError):
    """The escalation policy in the settings is invalid."""


@dataclass(frozen=True)
class Tier:
    name: str
    notify: tuple[str, ...]  # "channel:address"
    ack_within: timedelta


@dataclass(frozen=True)
class Policy:
    tiers: tuple[Tier, ...]
    ladders: Mapping[Severity, tuple[int, ...]]  # severity -> indexes into tiers, in order

    def ladder(self, severity: Severity) -> tuple[Tier, ...]:
        return tuple(self.tiers[i] for i in self.ladders[severity])

    def channels(self) -> set[str]:
        return {r.partition(":")[0] for tier in self.tiers for r in tier.notify}


def load_policy(config: Mapping[str, object]) -> Policy:
    """The policy the ``[alerts]`` table describes; no tiers means alerts are only listed."""
    raw_tiers = config.get("tiers", [])
    if not isinstance(raw_tiers, list):
        raise PolicyError("must be a list of tables", hint=_HINT, where="alerts.tiers")
    tiers = tuple(_tier(n, raw) for n, raw in enumerate(raw_tiers, start=1))
    names = [t.name for t in tiers]
    if len(set(names)) != len(names):
        raise PolicyError("two tiers have the same name", hint=_HINT, where="alerts.tiers")
    defaults = {
        Severity.CRITICAL: len(tiers),
        Severity.HIGH: len(tiers),
        Severity.MEDIUM: min(2, len(tiers)),
        Severity.LOW: min(1, len(tiers)),
    }
    ladders: dict[Severity, tuple[int, ...]] = {s: tuple(range(n)) for s, n in defaults.items()}
    raw_ladders = config.get("ladders", {})
    if not isinstance(raw_ladders, Mapping):
        raise PolicyError("must be a table", hint=_HINT, where="alerts.ladders")
    for severity, chosen in raw_ladders.items():
        where = f"alerts.ladders.{severity}"
        if severity not in set(Severity):
            raise PolicyError("unknown severity", hint="low, medium, high or critical", where=where)
        ladders[Severity(severity)] = _ladder(chosen, names, where)
    return Policy(tiers, ladders)


def _tier(number: int, raw: object) -> Tier:
    where = f"alerts.tiers[{number}]"
    if not isinstance(raw, Mapping):
        raise PolicyError("must be a table", hint=_HINT, where=where)
    unknown = set(raw) - {"name", "notify", "ack_minutes"}
    if unknown:
        raise PolicyError(f"unknown key {sorted(unknown)[0]!r}", hint=_HINT, where=where)
    name, notify, minutes = raw.get("name"), raw.get("notify", []), raw.get("ack_minutes", 15)
    if not isinstance(name, str) or not name.strip():
        raise PolicyError("needs a name", hint='name = "on-call operator"', where=where)
    if not isinstance(notify, list) or not all(_recipient(r) for r in notify):
        raise PolicyError(
            "notify must list recipients written channel:address",
            hint='notify = ["email:oncall@lab.example", "webhook:soc"]',
            where=f"{where}.notify",
        )
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= _WEEK:
        raise PolicyError(
            "must be a whole number of minutes, from 1 to a week (10080)",
            where=f"{where}.ack_minutes",
        )
    return Tier(name.strip(), tuple(notify), timedelta(minutes=minutes))


def _recipient(text: object) -> bool:
    if not isinstance(text, str):
        return False
    channel, colon, address = text.partition(":")
    return bool(channel and colon and address)


def _ladder(chosen: object, names: Sequence[str], where: str) -> tuple[int, ...]:
    if not isinstance(chosen, list) or not chosen or not all(isinstance(n, str) for n in chosen):
        raise PolicyError("must list tier names", hint=_HINT, where=where)
    missing = [n for n in chosen if n not in names]
    if missing:
        raise PolicyError(f"no tier is named {missing[0]!r}", hint=_HINT, where=where)
    return tuple(names.index(n) for n in chosen)
