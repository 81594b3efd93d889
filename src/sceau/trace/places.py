"""Where a sweep looks: the files under local folders, and on FTP servers the operator names.

Each file is a :class:`Candidate`: how it is shown (an FTP address without its password), its
size and modification time as the place reports them, and a way to have it as a local file for
as long as it is traced. A remote file is downloaded into a private temporary folder (0700) and
deleted as soon as it has been traced, whatever happens meanwhile. A folder or server that
cannot be read is recorded in ``skipped`` with the reason; the sweep goes on with the others.
"""

from __future__ import annotations

import contextlib
import ftplib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from sceau.detect.names import public_location
from sceau.sources.base import Skipped, SourceError

_FTP_SCHEMES = ("ftp://",)
_TIMEOUT = 30  # seconds an FTP server may take to answer


@dataclass(frozen=True)
class Candidate:
    """One file a sweep may trace."""

    shown: str  # a local path, or an ftp:// address without password
    size: int
    modified: datetime
    local: Callable[[], AbstractContextManager[Path]]  # the file on this machine, while traced

    @property
    def public(self) -> str:
        """How reports and events name it: an identifier in a file name replaced by its shape."""
        return public_location(self.shown)


Excluded = Callable[[str], bool]  # whether a location (file or folder) is declared


def is_remote(location: str) -> bool:
    return location.lower().startswith(_FTP_SCHEMES)


def candidates(
    location: str, skipped: list[Skipped], excluded: Excluded, *, password: str = ""
) -> Iterator[Candidate]:
    """Every file at ``location`` (a file, a folder, an ``ftp://`` address) not ``excluded``;
    what is left out is added to ``skipped`` with the reason."""
    if is_remote(location):
        yield from _ftp_files(location, skipped, excluded, password)
    else:
        yield from _local_files(Path(location), skipped, excluded)


_DECLARED = "in a location a signed mandate declares, or sceau's own: not swept"


def _local_files(root: Path, skipped: list[Skipped], excluded: Excluded) -> Iterator[Candidate]:
    if excluded(str(root)):
        skipped.append(Skipped(str(root), _DECLARED))
        return
    if not root.is_dir():
        yield from _local_file(root, skipped)
        return

    def refused(error: OSError) -> None:
        skipped.append(Skipped(str(error.filename or root), _unreadable(error)))

    for folder, folders, names in os.walk(root, onerror=refused):
        kept = []
        for name in sorted(folders):
            if excluded(str(Path(folder, name))):
                skipped.append(Skipped(str(Path(folder, name)) + os.sep, _DECLARED))
            else:
                kept.append(name)
        folders[:] = kept
        for name in sorted(names):
            path = Path(folder, name)
            if excluded(str(path)):
                skipped.append(Skipped(str(path), _DECLARED))
            else:
                yield from _local_file(path, skipped)


def _local_file(path: Path, skipped: list[Skipped]) -> Iterator[Candidate]:
    try:
        status = path.stat()
    except OSError as error:
        skipped.append(Skipped(str(path), _unreadable(error)))
        return
    if not path.is_file():
        skipped.append(Skipped(str(path), "not a regular file: not read"))
        return
    yield Candidate(
        shown=str(path),
        size=status.st_size,
        modified=datetime.fromtimestamp(status.st_mtime, UTC),
        local=lambda: contextlib.nullcontext(path),
    )


def _unreadable(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "cannot be read: permission denied"
    if isinstance(error, FileNotFoundError):
        return "does not exist"
    return "cannot be read"


def _ftp_files(
    url: str, skipped: list[Skipped], excluded: Excluded, password: str
) -> Iterator[Candidate]:
    parts = urlsplit(url)
    base = f"{parts.scheme}://{parts.username + '@' if parts.username else ''}{parts.hostname}"
    if parts.port:
        base += f":{parts.port}"
    root = unquote(parts.path) or "/"
    try:
        ftp = ftplib.FTP(timeout=_TIMEOUT)  # noqa: S321  (FTP is what the operator named)
        ftp.connect(parts.hostname or "", parts.port or 21)
    except (OSError, ftplib.Error):
        skipped.append(Skipped(base + root, "the FTP server could not be reached"))
        return
    with ftp:
        try:
            ftp.login(unquote(parts.username or "anonymous"), unquote(parts.password or password))
        except (OSError, ftplib.Error):
            skipped.append(Skipped(base + root, "the FTP server refused this user or password"))
            return
        for path, size, modified in _ftp_walk(ftp, PurePosixPath(root), base, skipped, excluded):
            yield Candidate(
                shown=base + str(path),
                size=size,
                modified=modified,
                local=partial(_downloaded, ftp, path, size),
            )


def _ftp_walk(
    ftp: ftplib.FTP, folder: PurePosixPath, base: str, skipped: list[Skipped], excluded: Excluded
) -> Iterator[tuple[PurePosixPath, int, datetime]]:
    """Every file under ``folder`` on the server, listed (MLSD) before any is downloaded."""
    try:
        entries = sorted(ftp.mlsd(str(folder), facts=["type", "size", "modify"]))
    except (OSError, ftplib.Error):
        skipped.append(Skipped(base + str(folder), "the FTP server would not list this folder"))
        return
    for name, facts in entries:
        path = folder / name
        kind = facts.get("type", "")
        if kind in ("cdir", "pdir") or name in (".", "..") or "/" in name:
            continue
        if excluded(base + str(path)):
            skipped.append(Skipped(base + str(path), _DECLARED))
        elif kind == "dir":
            yield from _ftp_walk(ftp, path, base, skipped, excluded)
        elif kind == "file":
            modified = datetime.strptime(facts.get("modify", "19700101000000")[:14], "%Y%m%d%H%M%S")
            yield path, int(facts.get("size", 0)), modified.replace(tzinfo=UTC)


@contextlib.contextmanager
def _downloaded(ftp: ftplib.FTP, path: PurePosixPath, most: int) -> Iterator[Path]:
    """``path`` from the server in a private temporary folder, removed when the block ends.

    The server's size is not trusted: a download longer than it said is cut off and refused.
    """
    with tempfile.TemporaryDirectory(prefix="sceau-sweep-") as folder:  # mode 0700
        local = Path(folder, path.name)
        written = 0
        with local.open("wb") as handle:

            def take(block: bytes) -> None:
                nonlocal written
                written += len(block)
                if written > most:
                    raise _TooLong
                handle.write(block)

            try:
                ftp.retrbinary(f"RETR {path}", take)
            except _TooLong:
                with contextlib.suppress(OSError, ftplib.Error):
                    ftp.abort()
                raise SourceError("longer than the FTP server said it was: not read") from None
            except (OSError, ftplib.Error):
                raise SourceError("the FTP server would not send this file") from None
        yield local


class _TooLong(Exception):
    """A download went past the size the server announced."""
