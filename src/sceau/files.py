"""Files written whole or not at all: the one recipe every room uses to put bytes on disk.

The bytes go to a temporary file in the same folder, created with the final mode from the
start (never world-readable, even for an instant), flushed and fsynced, then renamed over the
target, and the folder is fsynced so the rename itself survives a crash. If anything fails
before the rename, the temporary file is removed and the target is as it was.

Errors are plain ``OSError``s: each room turns them into its own SceauError, in its own words.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

PRIVATE = 0o600


@contextlib.contextmanager
def atomic_file(path: Path, *, mode: int = PRIVATE, overwrite: bool = True) -> Iterator[BinaryIO]:
    """A handle to write ``path``'s new content to; it replaces ``path`` when the block ends.

    Without ``overwrite`` an existing ``path`` raises FileExistsError, atomically too (the new
    file is linked into place, which fails if the name is taken).
    """
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    sync_folder(path.parent)


def create_private(path: Path) -> None:
    """Make ``path`` exist with mode 0600 (owner only) before another library opens it.

    For files sceau does not write itself (a SQLite database): they would otherwise get the
    process's umask, often world-readable. An existing file is narrowed to 0600 as well.
    """
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE)
    try:
        os.fchmod(descriptor, PRIVATE)
    finally:
        os.close(descriptor)


def write_atomic(path: Path, data: bytes, *, mode: int = PRIVATE, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` whole or not at all (see :func:`atomic_file`)."""
    with atomic_file(path, mode=mode, overwrite=overwrite) as handle:
        handle.write(data)


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable; not every platform lets a folder be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)
