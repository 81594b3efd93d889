"""Column names as every reader gives them: one line of printable text, unique in its table.

A name comes from the data (a CSV header cell, a JSON key, a database column) and may hold a
quoted line break, a tab, a byte-order mark or a terminal escape. Reports, mandates and the
audit trail show names on one line, so every reader passes its names through :func:`clean_name`:
each control, format or separator character (Unicode categories Cc, Cf, Zl, Zp, Zs) becomes a
space, runs of spaces collapse to one, and the ends are trimmed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_BREAKS = frozenset({"Cc", "Cf", "Zl", "Zp", "Zs"})
_SPACES = re.compile(r" {2,}")


def clean_name(name: str) -> str:
    """``name`` on one line: control characters and line breaks as one space, trimmed."""
    if name.isprintable() and "  " not in name and name == name.strip():
        return name  # the usual case, without a pass over every character
    spaced = "".join(" " if unicodedata.category(ch) in _BREAKS else ch for ch in name)
    return _SPACES.sub(" ", spaced).strip()


def unique_names(names: Iterable[str | None]) -> list[str]:
    """Cleaned names; a blank one becomes ``column_N`` (N from 1), a repeat gets ``_2``, ``_3``."""
    out: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(names, start=1):
        name = clean_name(raw or "") or f"column_{index}"
        candidate, suffix = name, 2
        while candidate in seen:
            candidate, suffix = f"{name}_{suffix}", suffix + 1
        seen.add(candidate)
        out.append(candidate)
    return out
