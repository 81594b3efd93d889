"""A channel plug-in: each notification as one JSON line appended to a file a log shipper reads.

Configured by ``[alerts.file]`` with ``path = "..."``; a tier names it ``file:<anything>``.
"""

import json
from collections.abc import Mapping
from pathlib import Path

from sceau.alerts.channels.base import Channel, ChannelError, Notification, only_keys, read_option

_WHERE = "[alerts.file]"


class FileChannel(Channel):
    """Appends to one file; the address is written with each line, for the shipper to route."""

    name = "file"
    settings = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_config(cls, config: Mapping[str, object], env: Mapping[str, str]) -> Channel:
        only_keys(config, {"path"}, _WHERE)
        path = read_option(config, "path", str, _WHERE, "")
        if not path:
            raise ChannelError("path is missing", hint=f"set path in {_WHERE}", where=_WHERE)
        return cls(Path(path))

    def check(self, address: str) -> None:
        if not self.path.parent.is_dir():
            raise ChannelError("the file's folder does not exist", hint="create it", where=_WHERE)

    def send(self, address: str, notification: Notification) -> None:
        line = {"to": address, "rule": notification.rule, "subject": notification.subject}
        try:
            with self.path.open("a", encoding="utf-8") as file:
                file.write(json.dumps(line) + "\n")
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise ChannelError(f"cannot append ({reason})", where=_WHERE) from None
