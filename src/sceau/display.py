"""Text from outside sceau, made safe to show: no control characters, no line breaks.

Column, table, file and key names come from the data's owner, and so do a mandate's purpose and
parties: any of them may hold an escape sequence that recolours or clears a terminal, a line
break that fakes a line of the summary a controller reads, or a bidirectional override that
shows one name as another. Every name shown by the CLI, written into an HTML report or into an
error message goes through :func:`printable` first. Terminal markup (Rich's ``[red]``) is a
separate matter: the CLI never parses names as markup (see ``sceau.cli._text``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

# C0 and C1 controls, DEL, and the format characters that reorder or hide text: bidirectional
# embeddings, overrides and isolates, zero-width joiners and spaces, the BOM.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u206f\ufeff]+"
)
_CATEGORIES_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
MAX_SHOWN = 200  # characters of one name shown; a longer one is cut with an ellipsis


def printable(text: str, *, limit: int = MAX_SHOWN) -> str:
    """``text`` on one line, every run of control or invisible formatting characters turned
    into one space, cut to ``limit`` characters with an ellipsis."""
    cleaned = _UNSAFE.sub(" ", text)
    if not cleaned.isascii():
        cleaned = "".join(
            " " if unicodedata.category(ch) in _CATEGORIES_UNSAFE else ch for ch in cleaned
        )
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned


def local_and_utc(value: datetime) -> str:
    """A moment in this computer's local time and in UTC: people read the first, the
    regulator's forms ask for the second."""
    return f"{value.astimezone():%Y-%m-%d %H:%M %Z} ({value.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
