"""Every health pattern sceau searches comments for, and the context cues, compiled once.

Three sources, in this order of precedence (a pattern belongs to the first that has it):

1. the curated lexicon (``lexicon.json``): lab jargon, each entry with its code;
2. the terminology derived from edsnlp (``terminology.json``, built by
   :mod:`sceau.detect.health.build`): drug names by ATC code, terms of CIM-10 labels by code;
3. the context cues (``context.json``): negation, family, hypothesis, not the patient,
   treatment and dose words, clause boundaries.

A pattern may be a term and a cue at once ("TTT" is treatment, and tells that a gated drug name
after it is one). Everything is folded and padded as comments are, so that one Aho-Corasick pass
finds terms and cues together.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import polars as pl

from sceau.detect.base import DetectError, HealthCategory
from sceau.detect.health.codes import atc_categories, cim10_categories
from sceau.detect.health.lexicon import Lexicon, load_lexicon, patterns_for

BIT = {category: 1 << index for index, category in enumerate(HealthCategory)}


class Kind(IntEnum):
    """How context applies to a concept's mentions."""

    PLAIN = 0
    TEST = 1  # named for a category: counts whatever its result or the doubt around it
    GATED = 2  # a drug name that is also a common or lab word: counts only near treatment words
    NOT_PATIENT = 3  # a charity or a campaign: set aside, never about the patient
    PSEUDO = 4  # looks like a cue and is none ("pas de doute"): swallows the cues inside it


class Cue(IntEnum):
    """The kinds of context cue, as bit positions."""

    BOUNDARY = 0
    NEGATION_BEFORE = 1
    NEGATION_AFTER = 2
    HYPOTHESIS_BEFORE = 3
    HYPOTHESIS_AFTER = 4
    FAMILY = 5
    NOT_PATIENT = 6
    TREATMENT_BEFORE = 7
    DOSE_AFTER = 8


@dataclass(frozen=True)
class Concept:
    """What a term stands for: its source (an entry id or a code), categories and kind."""

    source: str  # "HIV.vih", "ATC:J05AR03", "CIM10:C50": never the words
    categories: frozenset[HealthCategory]
    kind: Kind


@dataclass(frozen=True)
class Matcher:
    """Patterns, and per pattern the concept it finds (-1: none) and its cue bits."""

    patterns: list[str]
    searched: pl.Series  # the patterns as one list value, built once for every search
    as_index: pl.Enum  # a pattern found → its position in `patterns`, by a cast
    concept_of: np.ndarray  # int32, one per pattern
    cues_of: np.ndarray  # uint16 bit set of Cue, one per pattern
    inner: np.ndarray  # int64: characters of the pattern between its padding spaces
    concepts: tuple[Concept, ...]
    bits: np.ndarray  # uint16 category bits, one per concept
    kinds: np.ndarray  # uint8 Kind, one per concept


def category_bits(categories: frozenset[HealthCategory]) -> int:
    return sum(BIT[category] for category in categories)


def _read_json(name: str) -> Any:
    where = f"sceau/detect/health/{name}"
    try:
        text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
        return json.loads(text)
    except (FileNotFoundError, json.JSONDecodeError):
        raise DetectError(
            f"{name} is missing or not valid JSON",
            hint="reinstall sceau; a developer rebuilds the terminology with "
            "`python -m sceau.detect.health.build`",
            where=where,
        ) from None


def terminology_concepts() -> list[tuple[Concept, list[str]]]:
    """The concepts of ``terminology.json`` with their folded terms."""
    document = _read_json("terminology.json")
    concepts = []
    for section, system, categories_of, kind in (
        ("atc", "ATC", atc_categories, Kind.PLAIN),
        ("atc_gated", "ATC", atc_categories, Kind.GATED),
        ("cim10", "CIM10", cim10_categories, Kind.PLAIN),
    ):
        for code, terms in document[section].items():
            concepts.append((Concept(f"{system}:{code}", categories_of(code), kind), terms))
    return concepts


def context_cues() -> dict[Cue, list[str]]:
    """The cue words of ``context.json`` by kind, and the pseudo cues under no kind."""
    document = _read_json("context.json")
    return {cue: document[cue.name.lower()] for cue in Cue}


@cache
def load_matcher() -> Matcher:
    """sceau's own patterns, compiled once."""
    return compile_matcher(load_lexicon())


_MISSPELT = (("th", "t"), ("ph", "f"), ("y", "i"))
_MISSPELT_MIN = 7  # letters: shorter terms are abbreviations, and their variants other words


def misspellings(term: str) -> list[str]:
    """How a long term is commonly misspelt in a hurry: ``th`` as ``t`` ("chimioterapie"),
    ``ph`` as ``f``, ``y`` as ``i``; each variant alone, and all of them together."""
    lowered = term.lower()
    if sum(ch.isalpha() for ch in lowered) < _MISSPELT_MIN:
        return []
    variants = {lowered.replace(a, b) for a, b in _MISSPELT if a in lowered}
    together = lowered
    for a, b in _MISSPELT:
        together = together.replace(a, b)
    variants.add(together)
    variants.discard(lowered)
    return sorted(variants)


def _concept_patterns(concept: Concept, terms: Sequence[str], plus: bool) -> list[str]:
    """The patterns that find a concept: its terms' (``plus``: with a trailing ``+`` too) and,
    for a health concept, those of their misspellings — staff type "chimioterapie"."""
    spellings = list(terms)
    if concept.categories:
        spellings += [variant for term in terms for variant in misspellings(term)]
    return [pattern for s in spellings for pattern in patterns_for(s)[: None if plus else 1]]


def _cue_patterns() -> dict[str, int]:
    """The context cues' patterns, each with the bits of the cues it is a word of."""
    cues_of: dict[str, int] = {}
    for cue, words in context_cues().items():
        for word in words:
            for pattern in patterns_for(word)[:1]:  # " pas ", not " pas+"
                cues_of[pattern] = cues_of.get(pattern, 0) | (1 << cue)
    return cues_of


def compile_matcher(lexicon: Lexicon) -> Matcher:
    """The curated ``lexicon`` first, then the terminology, then the context cues."""
    concepts: list[Concept] = []
    concept_of: dict[str, int] = {}

    def add_concept(concept: Concept, terms: list[str] | tuple[str, ...], plus: bool) -> None:
        concepts.append(concept)
        for pattern in _concept_patterns(concept, terms, plus):
            concept_of.setdefault(pattern, len(concepts) - 1)

    for entry in lexicon.entries:  # lab jargon: "VIH+", "OH+"
        kind = Kind[entry.kind.upper()] if entry.kind else Kind.PLAIN
        add_concept(Concept(entry.id, entry.categories, kind), entry.terms, plus=True)
    for concept, terms in terminology_concepts():  # no one writes "Doliprane+"
        add_concept(concept, terms, plus=False)
    pseudo = _read_json("context.json")["pseudo"]
    add_concept(Concept("pseudo", frozenset(), Kind.PSEUDO), pseudo, plus=False)
    cues_of = _cue_patterns()
    patterns = list(dict.fromkeys([*concept_of, *cues_of]))
    return Matcher(
        patterns=patterns,
        searched=pl.Series([patterns], dtype=pl.List(pl.String)),
        as_index=pl.Enum(patterns),
        concept_of=np.array([concept_of.get(p, -1) for p in patterns], dtype=np.int32),
        cues_of=np.array([cues_of.get(p, 0) for p in patterns], dtype=np.uint16),
        inner=np.array([len(p.strip(" ")) for p in patterns], dtype=np.int64),
        concepts=tuple(concepts),
        bits=np.array([category_bits(c.categories) for c in concepts], dtype=np.uint16),
        kinds=np.array([c.kind for c in concepts], dtype=np.uint8),
    )
