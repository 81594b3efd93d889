"""RFC 5424 syslog: one message formatted, and sent to a collector over UDP, TCP or TLS.

Alerts and the audit-trail export both speak to a SIEM this way, so nothing here knows about
either. A collector is written ``udp://host:port`` (RFC 5426: one message per datagram),
``tcp://host:port`` (RFC 6587 octet counting: ``LEN SP MSG``, so a message may hold newlines)
or ``tls://host:port`` (RFC 5425: the same framing inside TLS, certificate checked).

Structured-data values are escaped per RFC 5424 §6.3.3: ``"``, ``\\`` and ``]`` get a
backslash. A UTF-8 message starts with a BOM, as §6.4 requires; plain ASCII needs none.
"""

from __future__ import annotations

import os
import socket
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import urlsplit

from sceau._version import __version__
from sceau.errors import SceauError

APP_NAME = "sceau"
TRANSPORTS = ("udp", "tcp", "tls")
NILVALUE = "-"
_BOM = "\ufeff".encode()


class SyslogError(SceauError):
    """A collector address is malformed, or the collector cannot be reached."""


def _printusascii(text: str, limit: int) -> bool:
    return 0 < len(text) <= limit and all(33 <= ord(char) <= 126 for char in text)


def _check_sd_name(name: str) -> None:
    if not _printusascii(name, 32) or any(char in '= ]"' for char in name):
        raise ValueError(f'{name!r} is not a syslog SD-NAME (1-32 printable ASCII, no = ] ")')


def escape_param_value(value: str) -> str:
    """A structured-data value with ``"``, ``\\`` and ``]`` escaped (RFC 5424 §6.3.3)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def format_structured(structured: Mapping[str, Mapping[str, str]] | None) -> str:
    """The STRUCTURED-DATA field: ``[id name="value" ...]...``, or ``-`` when there is none."""
    if not structured:
        return NILVALUE
    elements = []
    for sd_id, params in structured.items():
        _check_sd_name(sd_id.split("@", 1)[0])
        parts = [sd_id]
        for name, value in params.items():
            _check_sd_name(name)
            parts.append(f'{name}="{escape_param_value(value)}"')
        elements.append("[" + " ".join(parts) + "]")
    return "".join(elements)


def _timestamp(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValueError("a syslog timestamp needs a timezone: pass an aware datetime")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hostname(hostname: str | None) -> str:
    name = socket.gethostname() if hostname is None else hostname
    name = "".join(char if 33 <= ord(char) <= 126 else "_" for char in name)[:255]
    return name or NILVALUE


def origin(enterprise: int | None = None) -> dict[str, dict[str, str]]:
    """The registered ``origin`` element (RFC 5424 §7.2.3): sceau and its version, and the
    enterprise number when one is set. An element of sceau's own would need a private
    enterprise number (``name@number``, §6.3.2), which sceau does not have."""
    params = {"software": APP_NAME, "swVersion": __version__}
    if enterprise:
        params["enterpriseId"] = str(enterprise)
    return {"origin": params}


def format_message(
    *,
    severity: int,
    facility: int,
    msgid: str,
    structured: Mapping[str, Mapping[str, str]] | None,
    message: str,
    at: datetime,
    hostname: str | None = None,
) -> bytes:
    """One RFC 5424 message: ``<PRI>1 TIMESTAMP HOSTNAME sceau PROCID MSGID [SD] MSG``."""
    if not 0 <= severity <= 7:
        raise ValueError(f"syslog severity {severity} is not between 0 and 7")
    if not 0 <= facility <= 23:
        raise ValueError(f"syslog facility {facility} is not between 0 and 23")
    if not _printusascii(msgid, 32):
        raise ValueError(f"{msgid!r} is not a syslog MSGID (1-32 printable ASCII)")
    header = (
        f"<{facility * 8 + severity}>1 {_timestamp(at)} {_hostname(hostname)} {APP_NAME} "
        f"{os.getpid()} {msgid} {format_structured(structured)}"
    ).encode()
    if not message:
        return header
    body = message.encode()
    return header + b" " + (body if message.isascii() else _BOM + body)


def parse_address(text: str) -> tuple[str, str, int]:
    """``(transport, host, port)`` from ``udp://host:port``, ``tcp://…`` or ``tls://…``."""
    hint = "write the collector as udp://host:port, tcp://host:port or tls://host:port"
    parts = urlsplit(text.strip())
    if parts.scheme not in TRANSPORTS:
        raise SyslogError(f"the syslog address {text!r} has no known transport", hint=hint)
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None or port == 0:
        raise SyslogError(f"the syslog address {text!r} needs a host and a port", hint=hint)
    if parts.username or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SyslogError(f"the syslog address {text!r} has more than a host and port", hint=hint)
    return parts.scheme, parts.hostname, port


class SyslogSender:
    """A connection to one collector. Connects on first send; use it as a context manager.

    ``ssl_context`` checks a ``tls://`` collector's certificate (default: the system's CAs).
    """

    def __init__(
        self, address: str, *, timeout: float = 5.0, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.transport, self.host, self.port = parse_address(address)
        self.address = f"{self.transport}://{self.host}:{self.port}"
        self.timeout = timeout
        self.ssl_context = ssl_context
        self._socket: socket.socket | None = None

    def __enter__(self) -> SyslogSender:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _unreachable(self, error: OSError) -> SyslogError:
        reason = error.strerror or type(error).__name__
        return SyslogError(
            f"could not send to the syslog collector {self.address}: {reason}",
            hint="check that the collector listens there and that no firewall is in the way",
        )

    def _connect(self) -> socket.socket:
        if self._socket is not None:
            return self._socket
        try:
            if self.transport == "udp":
                family, kind, proto, _, target = socket.getaddrinfo(
                    self.host, self.port, type=socket.SOCK_DGRAM
                )[0]
                sock = socket.socket(family, kind, proto)
                sock.settimeout(self.timeout)
                try:
                    sock.connect(target)
                except OSError:
                    sock.close()
                    raise
            else:
                sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
                if self.transport == "tls":
                    context = self.ssl_context or ssl.create_default_context()
                    try:
                        sock = context.wrap_socket(sock, server_hostname=self.host)
                    except OSError:
                        sock.close()
                        raise
        except OSError as error:
            raise self._unreachable(error) from None
        self._socket = sock
        return sock

    def send(self, message: bytes) -> None:
        """Send one formatted message; TCP and TLS frame it as ``LEN SP MSG``."""
        sock = self._connect()
        try:
            if self.transport == "udp":
                sock.send(message)
            else:
                sock.sendall(b"%d " % len(message) + message)
        except OSError as error:
            self.close()
            raise self._unreachable(error) from None

    def close(self) -> None:
        """Close the connection; the next send opens a new one."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
