"""The one error every room raises: what went wrong, what to do, and where — never a data value.

    SceauError
     ├── sources.base.SourceError     a file or database could not be read
     ├── detect.base.DetectError      a detector or lexicon is misconfigured
     └── reports.report.ReportError   a report could not be written

The CLI prints ``str(error)`` and exits with status 2. Messages are written by sceau's own code
from names, positions and counts; a value read from a patient's record never goes into one.
"""

from __future__ import annotations


class SceauError(Exception):
    """A failure the user can act on.

    ``message`` says what went wrong, ``hint`` what to do about it, ``where`` which file, line,
    table or field. None of them may contain a value read from the data.
    """

    def __init__(self, message: str, *, hint: str = "", where: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.where = where

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross process boundaries (a worker's error is raised in the driver): rebuild
        # them from their attributes, whatever a subclass's __init__ takes.
        return (_rebuild, (type(self), self.args, self.__dict__))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.hint:
            text += f" — {self.hint}"
        return text


def _rebuild(
    cls: type[SceauError], args: tuple[object, ...], state: dict[str, object]
) -> SceauError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error
