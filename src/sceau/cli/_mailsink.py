"""A throw-away SMTP server on loopback, so the demo's alert e-mails land somewhere visible.

It needs ``aiosmtpd`` (``pip install 'sceau[demo]'``); a real installation points
``[alerts.email]`` at the lab's own mail relay instead.
"""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage
from types import TracebackType

from sceau.errors import SceauError


class MailSink:
    """Keeps every message it receives; a context manager that starts and stops the server."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = _free_port()
        self._controller: object | None = None

    async def handle_DATA(  # aiosmtpd's handler signature; only the envelope matters here
        self,
        server: object,  # noqa: ARG002
        session: object,  # noqa: ARG002
        envelope: object,
    ) -> str:
        content = envelope.original_content  # type: ignore[attr-defined]
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        if isinstance(parsed, EmailMessage):
            self.messages.append(parsed)
        return "250 OK"

    def __enter__(self) -> MailSink:
        try:
            from aiosmtpd.controller import Controller
        except ModuleNotFoundError:
            raise SceauError(
                "the demo's mail server needs aiosmtpd",
                hint="install it with: pip install 'sceau[demo]' (./dev/demo does)",
            ) from None
        controller = Controller(self, hostname="127.0.0.1", port=self.port)
        controller.start()
        self._controller = controller
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._controller is not None:
            self._controller.stop()  # type: ignore[attr-defined]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
