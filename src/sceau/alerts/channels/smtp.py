"""E-mail: a plain-text message a person can act on from a phone, sent through an SMTP relay.

Settings, ``[alerts.email]``: ``host`` (127.0.0.1), ``port`` (25), ``sender`` (required),
``starttls`` (false), ``username``, ``cafile`` (a CA bundle for STARTTLS, default the system's),
``timeout`` (10 s). The password comes from ``SCEAU_SMTP_PASSWORD`` only, and sceau logs in only
after STARTTLS, so it never crosses the network in clear.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from sceau.alerts.channels.base import (
    Channel,
    ChannelError,
    Notification,
    only_keys,
    read_option,
)

PASSWORD_ENV = "SCEAU_SMTP_PASSWORD"  # noqa: S105  (the variable's name, not a secret)


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def render_body(notification: Notification) -> str:
    """The message a person reads: what happened, how bad, until when, and how to answer."""
    n = notification
    lines = [
        f"What happened: {n.summary}",
        f"Severity: {n.severity}",
        f"Tier reached: {n.tier}",
        f"Raised at: {_when(n.raised_at)}",
        f"Acknowledge by: {_when(n.ack_deadline)}, or the alert goes to the next tier"
        if n.ack_deadline is not None
        else "Acknowledge: this is the last tier; you will be reminded until someone answers",
        f"Rule: {n.rule}",
        f"Installation: {n.installation}",
    ]
    if n.facts:
        lines += ["", "Facts:"] + [f"  {name}: {value}" for name, value in n.facts.items()]
    if n.rule == "audit-verification":
        lines += [
            "",
            "First: keep a copy of the state database as it is now, and have an auditor run",
            "sceau audit verify; do not repair anything before that copy is safe.",
        ]
    lines += [
        "",
        "To answer:",
        f"  sceau alerts ack {n.alert_id}",
        "      you are on it: the escalation stops",
        f'  sceau alerts resolve {n.alert_id} --why "..."',
        "      it is dealt with: say why, in plain words",
    ]
    return "\n".join(lines) + "\n"


class EmailChannel(Channel):
    """Sends each notification as one e-mail, one SMTP session per message."""

    name = "email"
    settings = "email"

    def __init__(
        self,
        *,
        sender: str,
        host: str = "127.0.0.1",
        port: int = 25,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        cafile: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.sender = sender
        self.host = host
        self.port = port
        self.starttls = starttls
        self.username = username
        self._password = password
        self.cafile = cafile
        self.timeout = timeout

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"EmailChannel(server={self.server!r}, sender={self.sender!r})"

    @classmethod
    def from_config(cls, config: Mapping[str, object], env: Mapping[str, str]) -> EmailChannel:
        where = "[alerts.email]"
        only_keys(
            config, {"sender", "username", "starttls", "host", "port", "cafile", "timeout"}, where
        )
        sender = read_option(config, "sender", str, where, None)
        if sender is None or "@" not in parseaddr(sender)[1]:
            raise ChannelError(
                "e-mail alerts need a sender address",
                hint='add sender = "sceau@lab.example" to [alerts.email]',
                where=where,
            )
        username = read_option(config, "username", str, where, None)
        starttls = read_option(config, "starttls", bool, where, False)
        password = env.get(PASSWORD_ENV) or None
        if username is not None and password is None:
            raise ChannelError(
                f"[alerts.email] names a username but {PASSWORD_ENV} is not set",
                hint=f"export {PASSWORD_ENV} in sceau's environment (never in the settings file)",
                where=where,
            )
        if username is not None and not starttls:
            raise ChannelError(
                "sceau will not send an SMTP password over an unencrypted connection",
                hint="set starttls = true in [alerts.email], or drop the username",
                where=where,
            )
        return cls(
            sender=sender,
            host=read_option(config, "host", str, where, "127.0.0.1"),
            port=read_option(config, "port", int, where, 25),
            starttls=starttls,
            username=username,
            password=password,
            cafile=read_option(config, "cafile", str, where, None),
            timeout=read_option(config, "timeout", float, where, 10.0),
        )

    def check(self, address: str) -> None:
        if "\r" in address or "\n" in address or "@" not in parseaddr(address)[1]:
            raise ChannelError(
                "an e-mail recipient of the escalation policy is not an address",
                hint="write e-mail recipients as email:name@lab.example",
            )

    def compose(self, address: str, notification: Notification) -> EmailMessage:
        """The e-mail for ``address``; ``send`` delivers it."""
        self.check(address)
        message = EmailMessage()
        message["Subject"] = notification.subject
        message["From"] = self.sender
        message["To"] = address
        message["Date"] = format_datetime(datetime.now(UTC))
        domain = parseaddr(self.sender)[1].rpartition("@")[2]
        message["Message-ID"] = make_msgid(f"alert{notification.alert_id}", domain=domain)
        message["X-Sceau-Alert"] = str(notification.alert_id)
        message.set_content(render_body(notification))
        return message

    def _tls_context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=self.cafile)
        except (OSError, ssl.SSLError):
            raise ChannelError(
                "the CA bundle for the mail server cannot be read",
                hint="check cafile in [alerts.email]",
                where=self.cafile or "",
            ) from None

    def send(self, address: str, notification: Notification) -> None:
        message = self.compose(address, notification)
        context = self._tls_context() if self.starttls else None
        step = "STARTTLS"
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if context is not None:
                    smtp.starttls(context=context)
                step = "AUTH"
                if self.username is not None and self._password is not None:
                    smtp.login(self.username, self._password)
                smtp.send_message(message)
        except smtplib.SMTPNotSupportedError:
            raise ChannelError(
                f"the mail server {self.server} does not offer {step}",
                hint="enable it on the relay, or change starttls and username in [alerts.email]",
            ) from None
        except smtplib.SMTPAuthenticationError:
            raise ChannelError(
                f"the mail server {self.server} refused sceau's login",
                hint=f"check [alerts.email] username and {PASSWORD_ENV}",
            ) from None
        except smtplib.SMTPRecipientsRefused:
            raise ChannelError(
                f"the mail server {self.server} refused the recipient of alert "
                f"{notification.alert_id}",
                hint="check the address in the escalation policy and the relay's rules",
            ) from None
        except smtplib.SMTPResponseException as error:
            raise ChannelError(
                f"the mail server {self.server} answered {error.smtp_code} to alert "
                f"{notification.alert_id}",
                hint="read the relay's log for the reason",
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise ChannelError(
                f"could not reach the mail server {self.server}: {reason}",
                hint="check [alerts.email] host and port, and that the relay is up",
            ) from None
