"""Alert channels against real servers on loopback: aiosmtpd, http.server, UDP and TCP sockets."""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from tests.alerts.servers import PASSWORD, Inbox, Receiver, free_port
from tests.certificates import self_signed

from sceau._version import __version__
from sceau.alerts.channels import CHANNELS, ChannelError, Notification, open_channels
from sceau.alerts.channels.smtp import EmailChannel
from sceau.alerts.channels.syslog import SyslogChannel
from sceau.alerts.channels.webhook import WebhookChannel, secret_env, verify_signature
from sceau.alerts.model import Severity
from sceau.errors import SceauError

RAISED = dt.datetime(2025, 3, 4, 9, 0, tzinfo=dt.UTC)
NOTICE = Notification(
    alert_id=12,
    rule="bulk-export",
    severity=Severity.HIGH,
    summary="alice exported 3 tables in 10 minutes",
    facts={"account": "alice", "exports": 3, "window_minutes": 10},
    tier="on-call operator",
    raised_at=RAISED,
    ack_deadline=RAISED + dt.timedelta(minutes=30),
    installation="lab-paris",
)
SECRET = "webhook-secret-for-tests"


def test_the_three_channels_are_registered() -> None:
    assert {"email", "webhook", "syslog"} <= set(CHANNELS)


# -- e-mail ----------------------------------------------------------------------------------


@pytest.fixture
def smtp_tls_server(tmp_path: Path) -> Iterator[tuple[Inbox, int, Path]]:
    """An SMTP server that requires STARTTLS and checks a login, as a real relay would."""
    cert, key = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=inbox.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    yield inbox, port, cert
    controller.stop()


EXPECTED_BODY = """\
What happened: alice exported 3 tables in 10 minutes
Severity: high
Tier reached: on-call operator
Raised at: 2025-03-04 09:00 UTC
Acknowledge by: 2025-03-04 09:30 UTC, or the alert goes to the next tier
Rule: bulk-export
Installation: lab-paris

Facts:
  account: alice
  exports: 3
  window_minutes: 10

To answer:
  sceau alerts ack 12
      you are on it: the escalation stops
  sceau alerts resolve 12 --why "..."
      it is dealt with: say why, in plain words
"""


def test_email_reaches_the_server_with_headers_and_how_to_answer(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server
    channel = open_channels({"email": {"port": port, "sender": "sceau@lab.example"}}, {})["email"]
    channel.send("oncall@lab.example", NOTICE)

    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "sceau@lab.example"
    assert envelope.rcpt_tos == ["oncall@lab.example"]
    message = inbox.message()
    assert (
        message["Subject"]
        == NOTICE.subject
        == ("[sceau HIGH] alert 12: alice exported 3 tables in 10 minutes")
    )
    assert message["From"] == "sceau@lab.example"
    assert message["To"] == "oncall@lab.example"
    assert message["X-Sceau-Alert"] == "12"
    assert message["Message-ID"].endswith("@lab.example>")
    assert message["Date"].datetime.tzinfo is not None
    assert message.get_content_type() == "text/plain"
    # The body is made of the notification's fields and sceau's own words, nothing else.
    assert message.get_content().replace("\r\n", "\n") == EXPECTED_BODY


def test_email_on_the_last_tier_says_no_one_else_will_be_told(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server
    last = Notification(**{**NOTICE.__dict__, "ack_deadline": None, "facts": {}})
    EmailChannel(sender="sceau@lab.example", port=port).send("dpo@lab.example", last)
    body = inbox.message().get_content()
    assert "this is the last tier" in body
    assert "Facts:" not in body


def test_email_with_starttls_logs_in_and_never_shows_the_password(
    smtp_tls_server: tuple[Inbox, int, Path],
) -> None:
    inbox, port, cert = smtp_tls_server
    config = {
        "port": port,
        "sender": "sceau@lab.example",
        "starttls": True,
        "username": "sceau",
        "cafile": str(cert),
    }
    channel = EmailChannel.from_config(config, {"SCEAU_SMTP_PASSWORD": PASSWORD})
    channel.send("oncall@lab.example", NOTICE)
    assert inbox.logins == [(b"sceau", PASSWORD.encode())]
    content = inbox.envelopes[0].original_content
    assert content is not None
    assert PASSWORD.encode() not in content
    assert PASSWORD not in repr(channel)

    wrong = EmailChannel.from_config(config, {"SCEAU_SMTP_PASSWORD": "not-" + PASSWORD})
    with pytest.raises(ChannelError, match="refused sceau's login") as caught:
        wrong.send("oncall@lab.example", NOTICE)
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_email_starttls_checks_the_server_certificate(
    smtp_tls_server: tuple[Inbox, int, Path],
) -> None:
    inbox, port, _ = smtp_tls_server
    channel = EmailChannel(sender="sceau@lab.example", port=port, starttls=True)
    with pytest.raises(ChannelError, match=f"127.0.0.1:{port}"):
        channel.send("oncall@lab.example", NOTICE)
    assert inbox.envelopes == []


def test_unreachable_mail_server_is_named(unused_port: int) -> None:
    channel = EmailChannel(sender="sceau@lab.example", port=unused_port, timeout=2)
    with pytest.raises(ChannelError) as caught:
        channel.send("oncall@lab.example", NOTICE)
    assert f"127.0.0.1:{unused_port}" in caught.value.message
    assert "[alerts.email]" in caught.value.hint


@pytest.mark.parametrize(
    ("config", "env", "needle"),
    [
        ({}, {}, "need a sender"),
        ({"sender": "x@y", "port": "25"}, {}, "port must be a whole number"),
        ({"sender": "x@y", "username": "u", "starttls": True}, {}, "SCEAU_SMTP_PASSWORD"),
        (
            {"sender": "x@y", "username": "u"},
            {"SCEAU_SMTP_PASSWORD": PASSWORD},
            "unencrypted connection",
        ),
    ],
)
def test_email_settings_errors(config: dict[str, object], env: dict[str, str], needle: str) -> None:
    with pytest.raises(ChannelError, match=needle) as caught:
        EmailChannel.from_config(config, env)
    assert isinstance(caught.value, SceauError)
    assert caught.value.hint
    assert PASSWORD not in str(caught.value)


def test_email_recipient_must_be_one_address(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    channel = EmailChannel(sender="sceau@lab.example", port=port)
    with pytest.raises(ChannelError, match="not an address"):
        channel.send("oncall@lab.example\r\nBcc: someone@else.example", NOTICE)
    assert inbox.envelopes == []


# -- webhooks --------------------------------------------------------------------------------


NOW = 1_741_078_800.0


def _channel(url: str, env: dict[str, str], delays: list[float], **hook: object) -> WebhookChannel:
    return WebhookChannel.from_config(
        {"soc": {"url": url, **hook}}, env, sleep=delays.append, clock=lambda: NOW
    )


def test_webhook_body_is_the_notification_and_it_is_signed(receiver: Receiver) -> None:
    delays: list[float] = []
    _channel(receiver.url, {"SCEAU_WEBHOOK_SECRET": SECRET}, delays).send("soc", NOTICE)

    ((headers, body),) = receiver.requests
    assert delays == []
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Sceau-Timestamp"] == str(int(NOW))
    signature = headers["X-Sceau-Signature"]
    assert signature.startswith("sha256=")
    assert verify_signature(SECRET.encode(), headers["X-Sceau-Timestamp"], body, signature)
    assert verify_signature(
        SECRET.encode(), headers["X-Sceau-Timestamp"], body, signature, max_age=300, now=NOW + 60
    )
    assert not verify_signature(b"another secret", str(int(NOW)), body, signature)
    assert not verify_signature(SECRET.encode(), str(int(NOW)), body + b" ", signature)
    assert not verify_signature(SECRET.encode(), str(int(NOW) + 1), body, signature)
    assert not verify_signature(  # a replay, ten minutes later
        SECRET.encode(), str(int(NOW)), body, signature, max_age=300, now=NOW + 600
    )
    # Exactly the notification's fields, nothing else.
    assert json.loads(body) == {
        "alert_id": 12,
        "rule": "bulk-export",
        "severity": "high",
        "summary": "alice exported 3 tables in 10 minutes",
        "facts": {"account": "alice", "exports": 3, "window_minutes": 10},
        "tier": "on-call operator",
        "raised_at": "2025-03-04T09:00:00+00:00",
        "ack_deadline": "2025-03-04T09:30:00+00:00",
        "installation": "lab-paris",
    }


def test_webhook_secret_by_name_wins(receiver: Receiver) -> None:
    name = "soc-2"
    env = {"SCEAU_WEBHOOK_SECRET": "general", secret_env(name): SECRET}
    assert secret_env(name) == "SCEAU_WEBHOOK_SECRET_SOC_2"
    channel = WebhookChannel.from_config({name: {"url": receiver.url}}, env)
    channel.send(name, NOTICE)
    ((headers, body),) = receiver.requests
    timestamp, signature = headers["X-Sceau-Timestamp"], headers["X-Sceau-Signature"]
    assert verify_signature(SECRET.encode(), timestamp, body, signature)


def test_webhook_retries_5xx_with_exponential_back_off(receiver: Receiver) -> None:
    receiver.statuses[:] = [503, 503, 200]
    delays: list[float] = []
    _channel(receiver.url, {"SCEAU_WEBHOOK_SECRET": SECRET}, delays).send("soc", NOTICE)
    assert len(receiver.requests) == 3
    assert delays == [0.5, 1.0]
    assert len({body for _, body in receiver.requests}) == 1


def test_webhook_429_waits_as_long_as_asked(receiver: Receiver) -> None:
    receiver.statuses[:] = [429, 200]
    delays: list[float] = []
    _channel(receiver.url, {"SCEAU_WEBHOOK_SECRET": SECRET}, delays).send("soc", NOTICE)
    assert delays == [2.0]


@pytest.mark.parametrize("status", [400, 302])
def test_webhook_refusal_is_not_retried(receiver: Receiver, status: int) -> None:
    receiver.statuses[:] = [status]
    delays: list[float] = []
    channel = _channel(receiver.url, {"SCEAU_WEBHOOK_SECRET": SECRET}, delays)
    with pytest.raises(ChannelError, match=f"answered HTTP {status}"):
        channel.send("soc", NOTICE)
    assert len(receiver.requests) == 1
    assert delays == []


def test_webhook_gives_up_after_the_attempts(unused_port: int) -> None:
    delays: list[float] = []
    url = f"http://127.0.0.1:{unused_port}/secret-path-token"
    channel = _channel(url, {"SCEAU_WEBHOOK_SECRET": SECRET}, delays, attempts=3, retry_delay=0.25)
    with pytest.raises(ChannelError, match="after 3 attempt") as caught:
        channel.send("soc", NOTICE)
    assert delays == [0.25, 0.5]
    assert f"webhook 'soc' (http://127.0.0.1:{unused_port})" in caught.value.message
    assert "secret-path-token" not in str(caught.value)


def test_webhook_without_a_secret_is_refused(receiver: Receiver) -> None:
    channel = _channel(receiver.url, {}, [])
    with pytest.raises(ChannelError, match="unsigned") as caught:
        channel.send("soc", NOTICE)
    assert "SCEAU_WEBHOOK_SECRET_SOC" in caught.value.hint
    assert receiver.requests == []


def test_webhook_unknown_name_and_bad_settings() -> None:
    with pytest.raises(ChannelError, match="no webhook is named 'siem'"):
        WebhookChannel.from_config({}, {}).send("siem", NOTICE)
    with pytest.raises(ChannelError, match="http:// or https://"):
        WebhookChannel.from_config({"soc": {"url": "ftp://soc.example"}}, {})
    with pytest.raises(ChannelError, match="http:// or https://"):
        WebhookChannel.from_config({"soc": {"url": "https://soc.example:x/"}}, {})
    with pytest.raises(ChannelError, match="attempts must be at least 1"):
        WebhookChannel.from_config({"soc": {"url": "https://soc.example", "attempts": 0}}, {})


# -- syslog ----------------------------------------------------------------------------------

ORIGIN = f'[origin software="sceau" swVersion="{__version__}"]'
SD = (
    f'[origin software="sceau" swVersion="{__version__}" enterpriseId="12345"]'
    '[sceau@12345 alert="12" rule="bulk-export" severity="high" tier="on-call operator" '
    'installation="lab-paris" raised="2025-03-04T09:00:00+00:00"]'
    '[facts@12345 account="alice" exports="3" window_minutes="10"]'
)


def _sent_over_udp(collector_table: dict) -> list[str]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind(("127.0.0.1", 0))
        collector.settimeout(5)
        address = f"udp://127.0.0.1:{collector.getsockname()[1]}"
        table = {"siem": {"address": address, **collector_table}}
        channel = open_channels({"syslog": table}, {})["syslog"]
        channel.send("siem", NOTICE)
        message = collector.recv(65535).decode()
    assert message.startswith(f"<{13 * 8 + 3}>1 ")  # log audit, err
    fields = message.split(" ", 6)
    assert fields[3:6] == ["sceau", fields[4], "alert"]
    return fields


def test_syslog_without_an_enterprise_number_sends_the_alert_as_json() -> None:
    """sceau has no IANA enterprise number: it claims none, and puts the alert in the message."""
    fields = _sent_over_udp({})
    assert fields[6].startswith(ORIGIN + " ")
    sent = json.loads(fields[6].removeprefix(ORIGIN + " ").removeprefix("\ufeff"))
    assert sent == {
        "alert": 12,
        "rule": "bulk-export",
        "severity": "high",
        "tier": "on-call operator",
        "installation": "lab-paris",
        "raised": "2025-03-04T09:00:00+00:00",
        "summary": "alice exported 3 tables in 10 minutes",
        "facts": {"account": "alice", "exports": "3", "window_minutes": "10"},
    }


def test_syslog_with_an_enterprise_number_carries_the_alert_as_structured_data() -> None:
    fields = _sent_over_udp({"enterprise": 12345})
    assert fields[6] == f"{SD} alice exported 3 tables in 10 minutes"


def test_an_enterprise_number_is_a_positive_whole_number() -> None:
    for wrong in (0, -1, 2**32, "12345"):
        table = {"siem": {"address": "udp://127.0.0.1:514", "enterprise": wrong}}
        with pytest.raises(ChannelError) as caught:
            open_channels({"syslog": table}, {})
        assert caught.value.where == "[alerts.syslog.siem]"


@pytest.mark.parametrize(
    ("severity", "code"),
    [(Severity.CRITICAL, 2), (Severity.HIGH, 3), (Severity.MEDIUM, 4), (Severity.LOW, 5)],
)
def test_syslog_over_tcp_maps_severity_and_frames(severity: Severity, code: int) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(5)
        address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
        channel = SyslogChannel.from_config({"address": address, "facility": 4}, {})
        notice = Notification(**{**NOTICE.__dict__, "severity": severity})
        channel.send("default", notice)
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(5)
            stream = b""
            while chunk := connection.recv(65536):
                stream += chunk
    length, message = stream.split(b" ", 1)
    assert int(length) == len(message)
    assert message.startswith(b"<%d>1 " % (4 * 8 + code))


def test_syslog_errors_are_channel_errors(unused_port: int) -> None:
    channel = SyslogChannel.from_config({"siem": {"address": f"tcp://127.0.0.1:{unused_port}"}}, {})
    with pytest.raises(ChannelError, match=f"tcp://127.0.0.1:{unused_port}"):
        channel.send("siem", NOTICE)
    with pytest.raises(ChannelError, match="no syslog collector is named 'soc'"):
        channel.send("soc", NOTICE)
    with pytest.raises(ChannelError, match="needs a host and a port") as caught:
        SyslogChannel.from_config({"siem": {"address": "tcp://siem.example"}}, {})
    assert caught.value.where == "[alerts.syslog.siem]"
    with pytest.raises(ChannelError, match="facility"):
        SyslogChannel.from_config({"address": "udp://127.0.0.1:514", "facility": 24}, {})


# -- settings --------------------------------------------------------------------------------

SETTINGS = """
[alerts.email]
host = "127.0.0.1"
port = 2525
sender = "sceau@lab.example"
[alerts.webhooks.soc]
url = "https://soc.example/hooks/sceau"
[alerts.syslog.siem]
address = "tcp://siem.example:6514"
[alerts.rules.bulk-export]
threshold = 3
"""


def test_open_channels_builds_what_the_settings_name() -> None:
    alerts = tomllib.loads(SETTINGS)["alerts"]
    channels = open_channels(alerts, {})
    assert sorted(channels) == ["email", "syslog", "webhook"]
    email_channel = channels["email"]
    assert isinstance(email_channel, EmailChannel)
    assert email_channel.server == "127.0.0.1:2525"
    webhook_channel = channels["webhook"]
    assert isinstance(webhook_channel, WebhookChannel)
    assert sorted(webhook_channel.hooks) == ["soc"]
    syslog_channel = channels["syslog"]
    assert isinstance(syslog_channel, SyslogChannel)
    assert syslog_channel.collectors["siem"].address == "tcp://siem.example:6514"


def test_open_channels_without_tables_opens_none() -> None:
    assert open_channels({"rules": {}}, {}) == {}
    with pytest.raises(ChannelError, match=r"alerts.email is not a table"):
        open_channels({"email": "oncall@lab.example"}, {})


@pytest.mark.parametrize(
    ("config", "where"),
    [
        ({"email": {"sender": "sceau@lab.example", "tls": True}}, "[alerts.email]"),
        (
            {"webhooks": {"soc": {"url": "https://soc.example/h", "atempts": 3}}},
            "[alerts.webhooks.soc]",
        ),
        (
            {"syslog": {"siem": {"address": "udp://127.0.0.1:514", "facilty": 4}}},
            "[alerts.syslog.siem]",
        ),
    ],
)
def test_a_mistyped_setting_is_refused_not_ignored(config: dict[str, object], where: str) -> None:
    with pytest.raises(ChannelError, match="unknown setting") as caught:
        open_channels(config, {})
    assert caught.value.where == where
