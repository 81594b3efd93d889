"""The curated health lexicon: lab jargon as data (``lexicon.json``), each entry with its code.

Drugs and diagnoses come from the terminologies (:mod:`sceau.detect.health.terminology`); this
lexicon holds what they lack: the way lab staff write ("VIH", "séropo", "K sein", "chimio",
"AVK"), each entry carrying the ATC or CIM-10 code it stands for where one exists. Each entry has
a stable id, ``CATEGORY.name``, that spans record instead of the term: the word a comment holds
("VIH") is itself health data. Terms are folded exactly as comments are
(:mod:`sceau.detect.health.fold`), then padded with spaces so that a plain multi-pattern search
only finds whole words.

An entry counts as its id's category, the categories of its code
(:mod:`sceau.detect.health.codes`) and those listed under ``also``. Its ``kind`` changes how
context applies: ``test`` (a test named for the category counts whatever its result or the
doubt around it), ``gated`` (counts only next to a word of treatment or a dose), ``not_patient``
(a charity or a campaign: never about the patient).
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
from sceau.detect.health.codes import atc_categories, cim10_categories
from sceau.detect.health.fold import fold_term

_ID = re.compile(r"^([A-Z_]+)\.[a-z0-9_]+\Z")
_CODE = re.compile(r"^(?:ATC:[A-Z][0-9A-Z]{0,6}|CIM10:[A-Z][0-9][0-9A-Z+]{0,4})\Z")
KINDS = ("test", "gated", "not_patient")
_HINT = "fix the lexicon file; each entry is {'id': 'CATEGORY.name', 'terms': [...]}"


@dataclass(frozen=True)
class LexiconEntry:
    """One concept ("HIV.arv") and the ways staff write it."""

    id: str
    category: HealthCategory
    terms: tuple[str, ...]
    code: str | None = None  # "ATC:J05AR" or "CIM10:B24"
    kind: str | None = None  # one of KINDS
    also: tuple[HealthCategory, ...] = ()

    @property
    def categories(self) -> frozenset[HealthCategory]:
        """The id's category, the code's, and those listed under ``also``."""
        return frozenset({self.category, *self.also}) | code_categories(self.code)


def code_categories(code: str | None) -> frozenset[HealthCategory]:
    """The categories of ``ATC:…`` or ``CIM10:…``; none for no code."""
    if code is None:
        return frozenset()
    system, _, value = code.partition(":")
    return atc_categories(value) if system == "ATC" else cim10_categories(value)


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

    def entry(self, entry_id: str) -> LexiconEntry:
        return next(entry for entry in self.entries if entry.id == entry_id)


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
        entry_id = _entry_id(raw, place, {entry.id for entry in entries})
        terms = _terms(raw, entry_id, place, pattern_ids)
        entries.append(_entry(raw, entry_id, terms, place))
    return Lexicon(tuple(entries), pattern_ids)


def _entry_id(raw: object, place: str, taken: set[str]) -> str:
    """The entry's ``id``: CATEGORY.name with a known category, not used by an entry before."""
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(entry_id, str):
        raise DetectError("entry has no string `id`", hint=_HINT, where=place)
    match = _ID.match(entry_id)
    if match is None or match.group(1) not in HealthCategory.__members__:
        raise DetectError(
            f"entry id {entry_id!r} is not CATEGORY.name with a known health category",
            hint=f"use one of {', '.join(HealthCategory)} before the dot",
            where=place,
        )
    if entry_id in taken:
        raise DetectError(f"entry id {entry_id!r} is used twice", hint=_HINT, where=place)
    return entry_id


def _terms(
    raw: dict[str, Any], entry_id: str, place: str, pattern_ids: dict[str, str]
) -> list[str]:
    """The entry's terms; each of their patterns is claimed for the entry in ``pattern_ids``."""
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
    return terms


def _entry(raw: dict[str, Any], entry_id: str, terms: list[str], place: str) -> LexiconEntry:
    """The entry, once its optional ``code``, ``kind`` and ``also`` are checked."""
    code, kind, also = raw.get("code"), raw.get("kind"), raw.get("also", [])
    if code is not None and (not isinstance(code, str) or not _CODE.match(code)):
        raise DetectError(
            f"entry {entry_id!r} has a code that is not ATC:… or CIM10:…",
            hint="write codes without dots, as 'ATC:J05AR' or 'CIM10:B24'",
            where=place,
        )
    if kind is not None and kind not in KINDS:
        raise DetectError(
            f"entry {entry_id!r} has an unknown kind", hint=f"use one of {KINDS}", where=place
        )
    if not isinstance(also, list) or not all(a in HealthCategory.__members__ for a in also):
        raise DetectError(
            f"entry {entry_id!r} lists an unknown category under `also`",
            hint=f"use {', '.join(HealthCategory)}",
            where=place,
        )
    category = HealthCategory(entry_id.split(".", 1)[0])
    return LexiconEntry(
        entry_id, category, tuple(terms), code, kind, tuple(HealthCategory(a) for a in also)
    )


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
