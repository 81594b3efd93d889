"""Names and other outside text, as the terminal may show them.

Everything the CLI prints that it did not write itself — a column, table or file name, a
mandate's purpose, an alert's summary — goes through one of these: :func:`shown` for plain
output, :func:`markup_safe` inside a Rich markup string, :func:`cell` for a Rich table cell or
title. None of them lets a name recolour or clear the terminal, fake a line, or hide text.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text

from sceau.display import MAX_SHOWN, printable


def shown(text: object, *, limit: int = MAX_SHOWN) -> str:
    """``text`` on one line, without control or invisible characters (for ``click.echo``)."""
    return printable(str(text), limit=limit)


def markup_safe(text: object) -> str:
    """``text`` made :func:`shown`, with Rich's markup brackets escaped."""
    return escape(shown(text))


def cell(text: object, style: str = "") -> Text:
    """A Rich text that is never parsed as markup."""
    return Text(shown(text), style=style)
