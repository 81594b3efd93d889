"""What an alert channel is: one way to reach a person (e-mail, a webhook, a syslog collector).

Channels register by name; a tier of the escalation policy names its recipients as
``channel:address`` (``email:oncall@lab.example``, ``webhook:soc``, ``syslog:siem``). A channel
that cannot deliver raises :class:`ChannelError`; the escalation records the failure and tries
again on its next round, so a dead mail server delays an alert but never loses it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, TypeVar

from sceau.alerts.model import Fact, Severity
from sceau.errors import SceauError
from sceau.plugins import Registry


class ChannelError(SceauError):
    """A channel could not deliver a notification (unreachable, refused, misconfigured)."""


@dataclass(frozen=True)
class Notification:
    """What a person is told. Every field is sceau's own words, names and counts: no data value."""

    alert_id: int
    rule: str
    severity: Severity
    summary: str
    facts: Mapping[str, Fact]
    tier: str  # the tier's name ("on-call operator")
    raised_at: datetime
    ack_deadline: datetime | None  # None on the last tier
    installation: str  # which sceau installation speaks (settings' name for it)

    @property
    def subject(self) -> str:
        return f"[sceau {self.severity.upper()}] alert {self.alert_id}: {self.summary}"


class Channel(ABC):
    """One delivery mechanism, configured from the ``[alerts.<name>]`` table of the settings."""

    name: ClassVar[str]  # the prefix in a tier's recipients: "email", "webhook", "syslog"
    settings: ClassVar[str]  # its key in the [alerts] table of the settings: "webhooks"
    named: ClassVar[bool] = False  # configured as [alerts.<settings>.<name>] tables, one a name

    @classmethod
    def settings_table(cls) -> str:
        """Where the settings configure it, as a user writes it: ``[alerts.webhooks.<name>]``."""
        return f"[alerts.{cls.settings}" + (".<name>]" if cls.named else "]")

    @classmethod
    @abstractmethod
    def from_config(cls, config: Mapping[str, object], env: Mapping[str, str]) -> Channel:
        """The channel the settings describe; secrets come from ``env`` only."""

    @abstractmethod
    def check(self, address: str) -> None:
        """Raise ChannelError if ``address`` could never be reached as configured: called when
        the escalation loop starts, so a typo is found then, not on the day of the incident."""

    @abstractmethod
    def send(self, address: str, notification: Notification) -> None:
        """Deliver to ``address`` (the part after ``name:``), or raise ChannelError."""


CHANNELS: Registry[type[Channel]] = Registry(
    "sceau.alert_channels", "alert channel", name_of=lambda cls: cls.name
)

T = TypeVar("T")
D = TypeVar("D")

_KINDS: dict[type, str] = {
    str: "text",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
}


def read_option(
    config: Mapping[str, object], key: str, kind: type[T], where: str, default: D
) -> T | D:
    """``config[key]``, or ``default`` when absent: every channel reads its table the same way,
    and a wrong type is a ChannelError naming the setting (never echoing its value)."""
    if key not in config:
        return default
    value = config[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ChannelError(
            f"{key} must be {_KINDS.get(kind, kind.__name__)}",
            hint=f"fix {key} in {where} of the settings",
            where=where,
        )
    return value


def named_tables(
    config: Mapping[str, object], section: str, example: str
) -> Iterator[tuple[str, Mapping[str, object], str]]:
    """``(name, table, where)`` for each ``[alerts.<section>.<name>]`` table: webhooks and
    syslog collectors are named this way, and recipients name them (``webhook:soc``)."""
    for name, table in config.items():
        if not isinstance(table, Mapping):
            raise ChannelError(
                f"{name!r} in [alerts.{section}] is not a table",
                hint=f"write it as [alerts.{section}.<name>] with {example}",
                where=f"[alerts.{section}]",
            )
        yield name, table, f"[alerts.{section}.{name}]"


def only_keys(config: Mapping[str, object], known: set[str], where: str) -> None:
    """Refuse a key a channel does not read: a typo (``atempts``) must not leave a default."""
    unknown = sorted(set(config) - known)
    if unknown:
        raise ChannelError(
            f"unknown setting {unknown[0]!r}",
            hint=f"the settings of {where} are: {', '.join(sorted(known))} (docs/alerts.md)",
            where=where,
        )
