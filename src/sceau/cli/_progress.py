"""The one progress bar every long command draws: a task per table or phase, counted in rows."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def rows_bar(console: Console) -> Progress:
    """A bar that disappears when done (and draws nothing when the console is not a terminal)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # a pipe or a log file gets no bar and no stray lines
    )
