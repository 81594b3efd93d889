"""The health lexicon: terms as data (``lexicon.json``), compiled into whole-word patterns.

Each entry has a stable id, ``CATEGORY.name``, that findings and spans record instead of the term:
the word a comment holds ("VIH") is itself health data. Terms are folded exactly as comments are
(:mod:`sceau.detect.health.fold`), then padded with spaces so that a plain multi-pattern search
only finds whole words.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sceau.detect.base import DetectError, HealthCategory
from sceau.detect.health.fold import fold_term

_ID = re.compile(r"^([A-Z_]+)\.[a-z0-9_]+$")
_HINT = "fix the lexicon file; each entry is {'id': 'CATEGORY.name', 'terms': [...]}"


@dataclass(frozen=True)
class LexiconEntry:
    """One concept ("HIV.arv") and the ways staff write it."""

    id: str
    category: HealthCategory
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Entries, and every folded pattern with the entry it belongs to."""

    entries: tuple[LexiconEntry, ...]
    pattern_ids: dict[str, str]  # " vih " → "HIV.vih"

    @property
    def patterns(self) -> list[str]:
        return list(self.pattern_ids)

    def category_of(self, entry_id: str) -> HealthCategory:
        return HealthCategory(entry_id.split(".", 1)[0])


def patterns_for(term: str) -> list[str]:
    """The padded patterns of one term: ``" vih "`` and ``" vih+"``; ``" sero+"`` for ``séro+``."""
    folded = fold_term(term)
    if not folded:
        return []
    if folded.endswith("+"):
        return [f" {folded}"]
    return [f" {folded} ", f" {folded}+"]


def parse_lexicon(document: Any, where: str) -> Lexicon:
    """Check and compile a lexicon document; errors name the entry, never a term."""
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        raise DetectError(
            "a lexicon must be an object with an `entries` list", hint=_HINT, where=where
        )
    entries: list[LexiconEntry] = []
    pattern_ids: dict[str, str] = {}
    for index, raw in enumerate(document["entries"]):
        place = f"{where}: entries[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise DetectError("entry has no string `id`", hint=_HINT, where=place)
        entry_id = raw["id"]
        match = _ID.match(entry_id)
        if match is None or match.group(1) not in HealthCategory.__members__:
            raise DetectError(
                f"entry id {entry_id!r} is not CATEGORY.name with a known health category",
                hint=f"use one of {', '.join(HealthCategory)} before the dot",
                where=place,
            )
        if any(entry.id == entry_id for entry in entries):
            raise DetectError(f"entry id {entry_id!r} is used twice", hint=_HINT, where=place)
        terms = raw.get("terms")
        if not isinstance(terms, list) or not terms or not all(isinstance(t, str) for t in terms):
            raise DetectError(f"entry {entry_id!r} needs a non-empty list of strings", where=place)
        for number, term in enumerate(terms):
            patterns = patterns_for(term)
            if not patterns:
                raise DetectError(
                    f"term {number} of {entry_id!r} has no letter or digit", hint=_HINT, where=place
                )
            for pattern in patterns:
                owner = pattern_ids.setdefault(pattern, entry_id)
                if owner != entry_id:
                    raise DetectError(
                        f"term {number} of {entry_id!r} is also a term of {owner!r}",
                        hint="keep the term in one entry only",
                        where=place,
                    )
        category = HealthCategory(match.group(1))
        entries.append(LexiconEntry(entry_id, category, tuple(terms)))
    return Lexicon(tuple(entries), pattern_ids)


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Load a lexicon file; without a path, sceau's own (read once, then cached)."""
    if path is None:
        return _builtin()
    return _read(path.read_text(encoding="utf-8"), str(path))


def _read(text: str, where: str) -> Lexicon:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DetectError(
            "the lexicon is not valid JSON", hint=_HINT, where=f"{where}:{error.lineno}"
        ) from None
    return parse_lexicon(document, where)


@cache
def _builtin() -> Lexicon:
    source = resources.files("sceau.detect.health").joinpath("lexicon.json")
    return _read(source.read_text(encoding="utf-8"), "sceau/detect/health/lexicon.json")
