"""The one way an installation's secret key file is read, or made on first use.

The audit key and the MFA key are each one small file, mode 0600, outside the state store. Both
are read the same way: a missing file is made (atomically, never replacing one another process
made a moment before) or refused; an unreadable one, or one that others may read, is refused in
words that name the file and what to do. Each room parses the bytes and raises its own error.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sceau.errors import SceauError
from sceau.files import write_atomic


@dataclass(frozen=True)
class KeyFile:
    """How one key file is named to people, and the error its room raises."""

    what: str  # e.g. "the MFA key"
    setting: str  # the environment setting that moves it, e.g. SCEAU_MFA_KEY
    missing: str  # what a missing file that may not be made means
    missing_hint: str
    error: type[SceauError]

    def read(self, path: Path, *, create: bool, make: Callable[[], bytes]) -> bytes:
        """The file's bytes; when it does not exist and ``create``, ``make()``'s, written there."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            if not create:
                raise self.error(self.missing, hint=self.missing_hint, where=str(path)) from None
            return self._create(path, make())
        except OSError as error:
            raise self.error(
                f"cannot read {self.what} ({error.strerror or type(error).__name__})",
                hint=f"{self.what} must be readable by the account sceau runs as, and by no other",
                where=str(path),
            ) from None
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise self.error(
                f"{self.what} file can be read by others",
                hint=f"run `chmod 600 {path}`, and tell security if it may have been copied",
                where=str(path),
            )
        return data

    def _create(self, path: Path, data: bytes) -> bytes:
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomic(path, data, overwrite=False)
        except FileExistsError:  # another process made it first: use theirs
            return self.read(path, create=False, make=lambda: data)
        except OSError as error:
            raise self.error(
                f"cannot create {self.what} ({error.strerror or type(error).__name__})",
                hint=f"check SCEAU_HOME (or {self.setting}) names a folder you may write to",
                where=str(path),
            ) from None
        return data
