"""What a migration reports while it runs: plain-words steps and row counts per phase.

The CLI draws it (a line per step, a progress bar per phase); tests record it.
"""

from __future__ import annotations

from typing import Protocol


class MigrateProgress(Protocol):
    def step(self, text: str) -> None:
        """One plain-words line: what was just done or decided."""

    def phase(self, name: str, total_rows: int | None) -> None:
        """A long phase begins (``extract``, ``load``, ``verify``)."""

    def rows(self, count: int) -> None:
        """``count`` more rows went through the current phase."""

    def phase_done(self) -> None:
        """The current phase ended."""


class Silent:
    """Reports nothing: for library use and tests that do not look."""

    def step(self, text: str) -> None:
        pass

    def phase(self, name: str, total_rows: int | None) -> None:
        pass

    def rows(self, count: int) -> None:
        pass

    def phase_done(self) -> None:
        pass
