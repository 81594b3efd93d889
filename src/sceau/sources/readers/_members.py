"""An archive's listing checked before anything is read: names pointing outside the archive,
hidden files and folders, and the total an archive may unpack to."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from sceau.sources.base import Opener
from sceau.sources.readers._bounded import ArchiveLimits, bomb, size_words

OUTSIDE = re.compile(r"^(?:[/\\]|[A-Za-z]:)|(?:^|[/\\])\.\.(?:[/\\]|$)|\x00")
OUTSIDE_REASON = "its name points outside the archive (absolute, or ..): not read"


@dataclass(frozen=True)
class Member:
    """One entry of an archive: what to open, or why it is not read."""

    name: str  # the path inside the archive
    opener: Opener | None = None
    reason: str = ""


Entry = tuple[str, int, Member]  # name, declared size, member


def checked(entries: list[Entry], limits: ArchiveLimits, archive: str) -> Iterator[Member]:
    """Names and sizes checked, hidden folders listed once, members in name order."""
    if len(entries) > limits.members:
        raise bomb(archive, f"lists more than {limits.members:,} members")
    total, hidden = 0, set()
    for name, size, member in sorted(entries, key=lambda entry: entry[0]):
        parts = PurePosixPath(name.replace("\\", "/")).parts
        secret = next((i for i, part in enumerate(parts) if _hidden(part)), None)
        if OUTSIDE.search(name):
            yield Member(name, reason=OUTSIDE_REASON)
        elif secret is not None and secret < len(parts) - 1:
            folder = "/".join(parts[: secret + 1]) + "/"
            if folder not in hidden:
                hidden.add(folder)
                yield Member(folder, reason="a hidden folder: left out")
        elif secret is not None:
            yield Member(name, reason="a hidden file (its name starts with a dot): left out")
        elif member.opener is None:
            yield member
        elif total + size > limits.total_bytes:
            yield Member(
                name,
                reason="not read: the archive unpacks to more than "
                f"{size_words(limits.total_bytes)} in all (taken for an archive bomb)",
            )
        else:
            total += size
            yield member


def _hidden(part: str) -> bool:
    return (part.startswith(".") and part not in (".", "..")) or part == "__MACOSX"
