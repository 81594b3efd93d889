"""The one progress renderer every long command draws: a line per step, and a bar per phase
counted in rows, advanced as each batch goes through (see :mod:`sceau.progress`)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from sceau.cli._text import markup_safe, shown
from sceau.reports.i18n import Translator, translator

_ABOUT_CHARS = 40  # a long table name is shown by its end, which tells tables apart


class ProgressPrinter:
    """Draws what a room reports; the bar disappears when done, and a console that is not a
    terminal (a pipe, a log file) gets the steps and no bar."""

    def __init__(self, console: Console, words: Translator | None = None) -> None:
        self.console = console
        self.words = words or translator()
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> ProgressPrinter:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def step(self, text: str) -> None:
        self.console.print(f"  {shown(text)}", markup=False, highlight=False)  # names are text

    def phase(self, name: str, total_rows: int | None, about: str = "") -> None:
        self.phase_done()
        key = f"migration.doing.{name}"
        label = markup_safe(self.words(key) if self.words.has(key) else name)
        if about:
            seen = shown(about)
            seen = seen if len(seen) <= _ABOUT_CHARS else "…" + seen[1 - _ABOUT_CHARS :]
            label = f"{label}: {markup_safe(seen)}"
        self.task = self.bar.add_task(label, total=total_rows)

    def rows(self, count: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, count)

    def phase_done(self) -> None:
        if self.task is not None:
            self.bar.remove_task(self.task)
            self.task = None
