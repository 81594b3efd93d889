"""What a long command reports while it runs, in one small observer protocol.

The rooms report (a scan table by table, a migration phase by phase), always counting rows as
each batch goes through, never per table only; the CLI draws it, tests record it. No room
imports the CLI to do so.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def step(self, text: str) -> None:
        """One plain-words line: what was just done or decided."""

    def phase(self, name: str, total_rows: int | None, about: str = "") -> None:
        """A long phase begins: ``name`` is sceau's own word for it (``scan``, ``extract``,
        ``load``, ``verify``), ``about`` what it reads when that is worth showing (a table's
        public name: outside text, never a value)."""

    def rows(self, count: int) -> None:
        """``count`` more rows went through the current phase."""

    def phase_done(self) -> None:
        """The current phase ended (finished, or given up: a table skipped)."""


class Silent:
    """Reports nothing: for library use and tests that do not look."""

    def step(self, text: str) -> None:
        pass

    def phase(self, name: str, total_rows: int | None, about: str = "") -> None:
        pass

    def rows(self, count: int) -> None:
        pass

    def phase_done(self) -> None:
        pass
