"""Syslog: an RFC 5424 message to a SIEM's collector, with the alert's facts in it.

Settings, either one table per collector, named as recipients name it (``syslog:siem``)::

    [alerts.syslog.siem]
    address = "tcp://siem.example:6514"   # udp://, tcp:// or tls:// (see sceau.syslog)
    facility = 13                         # log audit, the default
    cafile = "/etc/sceau/siem-ca.pem"     # tls:// only; default the system's CAs
    enterprise = 12345                    # your organisation's IANA enterprise number, if any

or a single collector, ``[alerts.syslog]`` with ``address`` (and the others) in it, named
``default``: its recipients are ``syslog:default``.

The header's timestamp is when the message is sent; MSGID is ``alert``; the registered
``origin`` element names sceau and its version. Structured data of sceau's own must be named
``name@<private enterprise number>`` (RFC 5424 §6.3.2), and sceau has no number of its own: so
with no ``enterprise`` set, the message is the alert as one JSON object (identity, summary,
facts), which SIEMs parse as readily; with one, the alert rides as ``[sceau@N alert="12"
rule="..." severity="..." tier="..." installation="..." raised="..."]`` and ``[facts@N
name="value" ...]``, and the message is the summary.
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sceau.alerts.channels.base import (
    Channel,
    ChannelError,
    Notification,
    named_tables,
    only_keys,
    read_option,
)
from sceau.alerts.model import Severity
from sceau.syslog import SyslogError, SyslogSender, format_message, origin, parse_address

_LARGEST_ENTERPRISE = 2**32 - 1
DEFAULT_FACILITY = 13  # log audit
SINGLE = "default"  # the name of a collector configured directly in [alerts.syslog]
SEVERITIES: dict[Severity, int] = {
    Severity.CRITICAL: 2,  # crit
    Severity.HIGH: 3,  # err
    Severity.MEDIUM: 4,  # warning
    Severity.LOW: 5,  # notice
}


@dataclass(frozen=True)
class Collector:
    """One configured syslog collector."""

    name: str
    address: str
    facility: int = DEFAULT_FACILITY
    cafile: str | None = None
    enterprise: int | None = None  # the IANA private enterprise number its SD-IDs carry


def _sd_name(name: str) -> str:
    """A fact name as an SD-NAME: printable ASCII without ``= ]"`` and space, 32 at most."""
    return re.sub(r'[^\x21-\x7e]|[= \]"]', "_", name)[:32] or "_"


def structured_data(notification: Notification, enterprise: int) -> dict[str, dict[str, str]]:
    """The alert's identity and facts as RFC 5424 structured data, under ``enterprise``."""
    n = notification
    data = origin(enterprise) | {
        f"sceau@{enterprise}": {
            "alert": str(n.alert_id),
            "rule": n.rule,
            "severity": str(n.severity),
            "tier": n.tier,
            "installation": n.installation,
            "raised": n.raised_at.isoformat(),
        }
    }
    if n.facts:
        data[f"facts@{enterprise}"] = {_sd_name(k): str(v) for k, v in n.facts.items()}
    return data


def alert_json(notification: Notification) -> str:
    """The alert as one JSON object: what the message carries when no enterprise number is set."""
    n = notification
    return json.dumps(
        {
            "alert": n.alert_id,
            "rule": n.rule,
            "severity": str(n.severity),
            "tier": n.tier,
            "installation": n.installation,
            "raised": n.raised_at.isoformat(),
            "summary": n.summary,
            "facts": {k: str(v) for k, v in n.facts.items()},
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def _collector(name: str, table: Mapping[str, object], where: str) -> Collector:
    only_keys(table, {"address", "facility", "cafile", "enterprise"}, where)
    address = read_option(table, "address", str, where, "")
    try:
        parse_address(address)
    except SyslogError as error:
        raise ChannelError(error.message, hint=error.hint, where=where) from None
    facility = read_option(table, "facility", int, where, DEFAULT_FACILITY)
    if not 0 <= facility <= 23:
        raise ChannelError(
            "facility must be between 0 and 23",
            hint="13 (log audit) is the usual one for security events",
            where=where,
        )
    enterprise = read_option(table, "enterprise", int, where, None)
    if enterprise is not None and not 0 < enterprise <= _LARGEST_ENTERPRISE:
        raise ChannelError(
            "enterprise must be an IANA private enterprise number (a positive whole number)",
            hint="your organisation's number, from iana.org/assignments/enterprise-numbers; "
            "leave it out to send the alert as JSON in the message",
            where=where,
        )
    cafile = read_option(table, "cafile", str, where, None)
    return Collector(name, address, facility, cafile, enterprise)


class SyslogChannel(Channel):
    """Sends each notification as one syslog message, one connection per message."""

    name = "syslog"
    settings = "syslog"
    named = True

    def __init__(self, collectors: Mapping[str, Collector], *, timeout: float = 5.0) -> None:
        self.collectors = dict(collectors)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SyslogChannel(collectors={sorted(self.collectors)!r})"

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, object],
        env: Mapping[str, str],  # noqa: ARG003  (the channels' signature; syslog has no secret)
    ) -> SyslogChannel:
        if "address" in config:
            return cls({SINGLE: _collector(SINGLE, config, "[alerts.syslog]")})
        collectors: dict[str, Collector] = {}
        for name, table, where in named_tables(config, "syslog", 'address = "tcp://host:port"'):
            collectors[name] = _collector(name, table, where)
        return cls(collectors)

    def check(self, address: str) -> None:
        if (address or SINGLE) not in self.collectors:
            raise ChannelError(
                f"no syslog collector is named {address!r}",
                hint=f"add [alerts.syslog.{address}] to the settings, or fix the recipient",
            )

    def send(self, address: str, notification: Notification) -> None:
        self.check(address)
        collector = self.collectors[address or SINGLE]
        if collector.enterprise:
            structured = structured_data(notification, collector.enterprise)
            text = notification.summary
        else:
            structured, text = origin(), alert_json(notification)
        message = format_message(
            severity=SEVERITIES[notification.severity],
            facility=collector.facility,
            msgid="alert",
            structured=structured,
            message=text,
            at=datetime.now(UTC),
        )
        context = None
        if collector.address.strip().startswith("tls:"):
            try:
                context = ssl.create_default_context(cafile=collector.cafile)
            except (OSError, ssl.SSLError):
                raise ChannelError(
                    f"the CA bundle for the syslog collector {collector.name!r} cannot be read",
                    hint="check cafile in [alerts.syslog] of the settings",
                ) from None
        try:
            with SyslogSender(collector.address, timeout=self.timeout, ssl_context=context) as out:
                out.send(message)
        except SyslogError as error:
            raise ChannelError(error.message, hint=error.hint, where=error.where) from None
