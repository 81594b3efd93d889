"""Webhooks: the notification as JSON, POSTed and signed, so a SOC's tooling can act on it.

Settings, one table per webhook, named as recipients name it (``webhook:soc``)::

    [alerts.webhooks.soc]
    url = "https://soc.example/hooks/sceau"
    attempts = 4        # tries in all, on connection errors, 5xx and 429
    retry_delay = 0.5   # seconds before the 2nd try, doubled before each next one
    timeout = 10        # seconds per try

The secret is ``SCEAU_WEBHOOK_SECRET_<NAME>`` (the name upper-cased, other characters than
letters and digits as ``_``), else ``SCEAU_WEBHOOK_SECRET``. Without one sceau refuses to send:
an unsigned alert is one anybody could forge. Redirects are not followed.

A receiver checks a request the way Stripe and GitHub signatures are checked::

    timestamp = request.headers["X-Sceau-Timestamp"]      # unix seconds, as text
    header = request.headers["X-Sceau-Signature"]         # "sha256=<hex>"
    # hex = HMAC-SHA256(secret, timestamp + "." + raw body)
    if not verify_signature(secret, timestamp, request.body, header, max_age=300):
        reject()

Checking the age of the timestamp is what turns away a replayed request.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

from sceau.alerts.channels.base import (
    Channel,
    ChannelError,
    Notification,
    named_tables,
    only_keys,
    read_option,
)

SECRET_ENV = "SCEAU_WEBHOOK_SECRET"  # noqa: S105  (the variable's name, not a secret)
SIGNATURE_HEADER = "X-Sceau-Signature"
TIMESTAMP_HEADER = "X-Sceau-Timestamp"
MAX_RETRY_AFTER = 60.0  # seconds: a server asking for longer waits for the next round instead


def secret_env(name: str) -> str:
    """The environment variable holding the secret of webhook ``name``."""
    return f"{SECRET_ENV}_{re.sub(r'[^A-Z0-9]', '_', name.upper())}"


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Sceau-Signature`` value: ``sha256=`` + HMAC-SHA256 of ``timestamp.body``."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: bytes,
    timestamp: str,
    body: bytes,
    header: str,
    *,
    max_age: float | None = None,
    now: float | None = None,
) -> bool:
    """Whether ``header`` signs ``timestamp`` and ``body`` (constant-time); with ``max_age``,
    also whether the timestamp is at most that many seconds away from ``now``."""
    if max_age is not None:
        try:
            age = abs((time.time() if now is None else now) - int(timestamp))
        except ValueError:
            return False
        if age > max_age:
            return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), header.strip().encode())


def render_body(notification: Notification) -> bytes:
    """The JSON a webhook receives: the notification's fields, dates in ISO 8601."""
    n = notification
    fields = {
        "alert_id": n.alert_id,
        "rule": n.rule,
        "severity": str(n.severity),
        "summary": n.summary,
        "facts": dict(n.facts),
        "tier": n.tier,
        "raised_at": n.raised_at.isoformat(),
        "ack_deadline": None if n.ack_deadline is None else n.ack_deadline.isoformat(),
        "installation": n.installation,
    }
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Webhook:
    """One configured receiver."""

    name: str
    url: str
    attempts: int = 4
    retry_delay: float = 0.5
    timeout: float = 10.0

    @property
    def display(self) -> str:
        """Name and origin, for messages: a URL's path may itself be a secret (Slack, Teams)."""
        parts = urlsplit(self.url)
        port = f":{parts.port}" if parts.port else ""
        return f"webhook {self.name!r} ({parts.scheme}://{parts.hostname}{port})"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: following it would re-send the alert somewhere unconfigured."""

    def redirect_request(self, *_request: object, **_details: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class _Failure:
    reason: str
    retry: bool
    retry_after: float = 0.0


def _retry_after(headers: Message | None) -> float:
    value = headers.get("Retry-After", "") if headers is not None else ""
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return 0.0  # absent, or an HTTP date: the back-off decides


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class WebhookChannel(Channel):
    """POSTs each notification to the named webhook, retrying with exponential back-off."""

    name = "webhook"
    settings = "webhooks"
    named = True

    def __init__(
        self,
        hooks: Mapping[str, Webhook],
        secrets: Mapping[str, bytes],
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.hooks = dict(hooks)
        self._secrets = dict(secrets)
        self._sleep = sleep
        self._clock = clock

    def __repr__(self) -> str:
        return f"WebhookChannel(hooks={sorted(self.hooks)!r})"

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, object],
        env: Mapping[str, str],
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> WebhookChannel:
        hooks: dict[str, Webhook] = {}
        secrets: dict[str, bytes] = {}
        for name, table, where in named_tables(config, "webhooks", 'url = "https://..."'):
            only_keys(table, {"url", "attempts", "retry_delay", "timeout"}, where)
            url = read_option(table, "url", str, where, "")
            if not _is_http_url(url):
                raise ChannelError(
                    f"the webhook {name!r} needs an http:// or https:// url",
                    hint=f'add url = "https://..." to {where}',
                    where=where,
                )
            hook = Webhook(
                name=name,
                url=url,
                attempts=read_option(table, "attempts", int, where, 4),
                retry_delay=read_option(table, "retry_delay", float, where, 0.5),
                timeout=read_option(table, "timeout", float, where, 10.0),
            )
            if hook.attempts < 1 or hook.retry_delay < 0 or hook.timeout <= 0:
                raise ChannelError(
                    f"the webhook {name!r} has a negative or zero retry setting",
                    hint="attempts must be at least 1, retry_delay >= 0 and timeout > 0",
                    where=where,
                )
            hooks[name] = hook
            secret = env.get(secret_env(name)) or env.get(SECRET_ENV)
            if secret:
                secrets[name] = secret.encode()
        return cls(hooks, secrets, sleep=sleep, clock=clock)

    def check(self, address: str) -> None:
        hook = self.hooks.get(address)
        if hook is None:
            raise ChannelError(
                f"no webhook is named {address!r}",
                hint=f"add [alerts.webhooks.{address}] to the settings, or fix the recipient",
            )
        if address not in self._secrets:
            raise ChannelError(
                f"sceau will not send an unsigned alert to {hook.display}: no secret is set",
                hint=f"set {secret_env(address)} (or {SECRET_ENV}) in sceau's environment",
            )

    def send(self, address: str, notification: Notification) -> None:
        self.check(address)
        hook, secret = self.hooks[address], self._secrets[address]
        body = render_body(notification)
        failure = _Failure("not tried", retry=False)
        for attempt in range(hook.attempts):
            if attempt:
                self._sleep(max(hook.retry_delay * 2 ** (attempt - 1), failure.retry_after))
            failure_or_none = self._post(hook, secret, body)
            if failure_or_none is None:
                return
            failure = failure_or_none
            if not failure.retry:
                raise ChannelError(
                    f"{hook.display} {failure.reason} to alert {notification.alert_id}",
                    hint="the receiver refused the request: check its URL and its secret",
                )
        raise ChannelError(
            f"{hook.display} {failure.reason} to alert {notification.alert_id}, "
            f"after {hook.attempts} attempt(s)",
            hint="the next escalation round tries again; check that the receiver is up",
        )

    def _post(self, hook: Webhook, secret: bytes, body: bytes) -> _Failure | None:
        timestamp = str(int(self._clock()))  # signed afresh at each try: a retry is not a replay
        request = urllib.request.Request(  # noqa: S310  (from_config admits http(s) URLs only)
            hook.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "sceau-alerts",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(secret, timestamp, body),
            },
        )
        try:
            with _OPENER.open(request, timeout=hook.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            status, headers = error.code, error.headers
            error.close()
            retry = status >= 500 or status == 429
            return _Failure(f"answered HTTP {status}", retry, _retry_after(headers) if retry else 0)
        except urllib.error.URLError as error:
            cause = error.reason
            if not isinstance(cause, str):
                cause = getattr(cause, "strerror", None) or type(cause).__name__
            return _Failure(f"could not be reached ({cause})", retry=True)
        except (OSError, http.client.HTTPException) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            return _Failure(f"could not be reached ({reason})", retry=True)
        return None
