"""RFC 5424 syslog: messages parsed back by a small independent parser, sent to real sockets."""

from __future__ import annotations

import datetime as dt
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.certificates import self_signed

from sceau.errors import SceauError
from sceau.syslog import SyslogError, SyslogSender, format_message, parse_address

AT = dt.datetime(2025, 3, 4, 10, 15, 30, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))
HEADER = re.compile(r"<(\d{1,3})>(\d) (\S+) (\S+) (\S+) (\S+) (\S+) ")


def parse(raw: bytes) -> dict[str, object]:
    """An RFC 5424 reader written from the grammar, independent of sceau's writer."""
    text = raw.decode("utf-8")
    match = HEADER.match(text)
    assert match, text
    pri, version, timestamp, hostname, app, procid, msgid = match.groups()
    rest = text[match.end() :]
    structured: dict[str, dict[str, str]] = {}
    if rest.startswith("-"):
        rest = rest[1:]
    while rest.startswith("["):
        end = min(i for i in (rest.find(" "), rest.find("]")) if i >= 0)
        sd_id, rest = rest[1:end], rest[end:]
        params: dict[str, str] = {}
        while rest.startswith(" "):
            name, rest = rest[1:].split('="', 1)
            value, i = [], 0
            while rest[i] != '"':
                if rest[i] == "\\" and rest[i + 1] in '"\\]':
                    i += 1
                value.append(rest[i])
                i += 1
            params[name] = "".join(value)
            rest = rest[i + 1 :]
        assert rest.startswith("]"), rest
        rest = rest[1:]
        structured[sd_id] = params
    message = rest[1:] if rest.startswith(" ") else rest
    assert not rest or rest.startswith(" ")
    return {
        "pri": int(pri),
        "version": int(version),
        "timestamp": timestamp,
        "hostname": hostname,
        "app": app,
        "procid": procid,
        "msgid": msgid,
        "structured": structured,
        "message": message,
    }


def test_header_fields_follow_rfc_5424() -> None:
    raw = format_message(
        severity=2,
        facility=13,
        msgid="alert",
        structured={"sceau@32473": {"alert": "12", "rule": "bulk-export"}},
        message="3 exports in 10 minutes",
        at=AT,
        hostname="lab-1",
    )
    parsed = parse(raw)
    assert parsed["pri"] == 13 * 8 + 2
    assert parsed["version"] == 1
    assert parsed["timestamp"] == "2025-03-04T09:15:30.123456Z"
    assert (parsed["hostname"], parsed["app"], parsed["msgid"]) == ("lab-1", "sceau", "alert")
    assert str(parsed["procid"]).isdigit()
    assert parsed["structured"] == {"sceau@32473": {"alert": "12", "rule": "bulk-export"}}
    assert parsed["message"] == "3 exports in 10 minutes"


def test_no_structured_data_is_a_dash_and_an_empty_message_is_omitted() -> None:
    raw = format_message(
        severity=6, facility=1, msgid="m", structured=None, message="", at=AT, hostname="h"
    )
    assert raw.endswith(b" sceau " + str(parse(raw)["procid"]).encode() + b" m -")


def test_escaping_of_quote_backslash_and_bracket() -> None:
    raw = format_message(
        severity=5,
        facility=13,
        msgid="alert",
        structured={"x@32473": {"v": 'a"b\\c]d'}},
        message="m",
        at=AT,
    )
    assert b'v="a\\"b\\\\c\\]d"' in raw


@given(st.dictionaries(st.sampled_from(["a", "rule", "tier", "k9"]), st.text(), min_size=1))
def test_any_structured_value_round_trips(params: dict[str, str]) -> None:
    raw = format_message(
        severity=3, facility=13, msgid="alert", structured={"s@1": params}, message="ok", at=AT
    )
    parsed = parse(raw)
    assert parsed["structured"] == {"s@1": params}
    assert parsed["message"] == "ok"


def test_a_utf8_message_starts_with_a_bom() -> None:
    raw = format_message(
        severity=5, facility=13, msgid="alert", structured=None, message="données", at=AT
    )
    assert raw.endswith(b" \xef\xbb\xbfdonn\xc3\xa9es")


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"severity": 8}, "severity"),
        ({"facility": 24}, "facility"),
        ({"msgid": "two words"}, "MSGID"),
        ({"structured": {"s@1": {"a=b": "v"}}}, "SD-NAME"),
        ({"at": dt.datetime(2025, 1, 1)}, "timezone"),
    ],
)
def test_invalid_fields_are_refused(changes: dict[str, object], needle: str) -> None:
    fields: dict[str, object] = {
        "severity": 5,
        "facility": 13,
        "msgid": "alert",
        "structured": None,
        "message": "m",
        "at": AT,
    }
    with pytest.raises(ValueError, match=needle):
        format_message(**{**fields, **changes})  # type: ignore[arg-type]


def test_parse_address() -> None:
    assert parse_address("tcp://siem.example:6514") == ("tcp", "siem.example", 6514)
    assert parse_address("udp://127.0.0.1:514") == ("udp", "127.0.0.1", 514)
    assert parse_address("tls://[::1]:6514") == ("tls", "::1", 6514)


@pytest.mark.parametrize(
    "address",
    ["siem.example:514", "http://siem:514", "tcp://siem", "tcp://:514", "tcp://siem:x",
     "tcp://u:p@siem:514", "udp://siem:514/path"],
)  # fmt: skip
def test_malformed_addresses_say_how_to_write_one(address: str) -> None:
    with pytest.raises(SyslogError) as caught:
        parse_address(address)
    assert isinstance(caught.value, SceauError)
    assert "tcp://host:port" in caught.value.hint


def test_udp_datagram_holds_one_message() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(5)
        port = server.getsockname()[1]
        message = format_message(
            severity=2, facility=13, msgid="alert", structured=None, message="hi", at=AT
        )
        with SyslogSender(f"udp://127.0.0.1:{port}") as sender:
            sender.send(message)
        assert server.recv(65535) == message


def _read_frames(stream: bytes) -> list[bytes]:
    """RFC 6587 octet counting: ``LEN SP MSG`` repeated."""
    frames = []
    while stream:
        length, stream = stream.split(b" ", 1)
        assert length.isdigit()
        assert not length.startswith(b"0")
        frames.append(stream[: int(length)])
        stream = stream[int(length) :]
    return frames


class StreamCollector:
    """A real TCP (or TLS) collector on loopback keeping every byte it receives."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(5)
        self.port = self.listener.getsockname()[1]
        self.context = context
        self.received = b""
        self.error: OSError | None = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self.listener.accept()
            if self.context is not None:
                with connection:  # a failed handshake leaves the plain socket to close
                    connection = self.context.wrap_socket(connection, server_side=True)
            with connection:
                while chunk := connection.recv(65536):
                    self.received += chunk
        except OSError as error:  # a refused handshake, or the test closed the listener
            self.error = error

    def wait(self) -> bytes:
        self.thread.join(5)
        self.listener.close()
        return self.received


@pytest.fixture
def tcp_collector() -> Iterator[StreamCollector]:
    collector = StreamCollector()
    yield collector
    collector.listener.close()


def test_tcp_uses_octet_counting_framing(tcp_collector: StreamCollector) -> None:
    messages = [
        format_message(severity=4, facility=13, msgid="alert", structured=None, message=text, at=AT)
        for text in ("first", "two\nlines", "é")
    ]
    with SyslogSender(f"tcp://127.0.0.1:{tcp_collector.port}") as sender:
        for message in messages:
            sender.send(message)
    stream = tcp_collector.wait()
    assert stream.startswith(b"%d <" % len(messages[0]))
    assert _read_frames(stream) == messages
    assert parse(_read_frames(stream)[1])["message"] == "two\nlines"


def test_tls_checks_the_certificate_and_frames_like_tcp(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    collector = StreamCollector(server_context)
    message = format_message(
        severity=2, facility=13, msgid="alert", structured=None, message="m", at=AT
    )
    client = ssl.create_default_context(cafile=str(cert))
    with SyslogSender(f"tls://127.0.0.1:{collector.port}", ssl_context=client) as sender:
        sender.send(message)
    assert _read_frames(collector.wait()) == [message]


def test_tls_refuses_an_unknown_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    collector = StreamCollector(server_context)
    sender = SyslogSender(
        f"tls://127.0.0.1:{collector.port}", ssl_context=ssl.create_default_context()
    )
    with pytest.raises(SyslogError, match="could not send to the syslog collector"), sender:
        sender.send(b"m")
    assert collector.wait() == b""
    assert isinstance(collector.error, ssl.SSLError)


def test_unreachable_collector_is_a_plain_error(unused_port: int) -> None:
    with pytest.raises(SyslogError) as caught, SyslogSender(f"tcp://127.0.0.1:{unused_port}") as s:
        s.send(b"m")
    assert f"tcp://127.0.0.1:{unused_port}" in caught.value.message
    assert "collector listens" in caught.value.hint
