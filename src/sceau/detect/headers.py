"""Header evidence: what a column's name says about its category and whose data it holds.

French lab software names columns tersely and in many spellings (NOM_PAT, DDN, DT_NAIS, N_SS,
ADR2, ORG_COMPL, MDP_SR), English exports in snake case (last_name, dob, addr_line2), FHIR by
JSON path (``name[0].family``) and HL7 by field (``PID-5.1``). A header is read in three steps,
each driven by a table of :mod:`sceau.detect.vocabulary`, never by conditionals:

1. it is cut into accent-free lower-case tokens (``tokens``);
2. each token is looked up in ``CONCEPTS``, which names the *concept* it spells (``naiss``,
   ``nais``, ``naissance``, ``birth`` all spell ``birth``; ``ddn`` and ``dob`` spell two,
   ``date`` and ``birth``); words outside the table say nothing;
3. the concepts are matched against ``RULES``, sets of concepts with a category: the rule
   with the most concepts wins (``date birth`` beats ``date``, ``place birth`` beats
   ``birth``), then the heaviest, then a kind of value over whose it is (``address`` over
   ``insurer``), then the first in the header.

A concept that says whose data a column is (``insurer``, ``practitioner``…) also names the
column's subject. Alone, it names the owner itself: ``ORGANISME`` holds the organisation's
name, which the classifier turns into the organisation's number when the values are numbers.
Aggregates (``count(*)``, ``nb_…``, ``total``) win over everything else in the header: a count
of NIRs is a count.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sceau.detect.base import Category, Detector, Subject
from sceau.detect.vocabulary import (
    AGGREGATE,
    AMBIGUOUS,
    CONCEPTS,
    GENERIC,
    GLUED,
    HL7_FIELDS,
    OWNER,
    OWNERS,
    RULES,
)

_HL7_NAME = re.compile(r"^([A-Z][A-Z0-9]{2})-(\d+)(?:\.(\d+))?\Z")

_SPELLINGS: dict[str, tuple[str, ...]] = {
    spelling: (concept,) for concept, spellings in CONCEPTS.items() for spelling in spellings
} | GLUED
_RULE_SETS = {frozenset(key.split()): key for key in RULES}


@dataclass(frozen=True)
class HeaderHint:
    """What a header says: a category (or None) with a weight, whose data, and why.

    ``owner_only``: the header only names whose data the column is (``ORGANISME``,
    ``PRESCRIPTEUR``): the values must say whether it holds the owner's name or number.
    ``generic``: a bare "date", which the spread of the values may refine.
    """

    category: Category | None
    weight: float
    subject: Subject | None
    reason: str  # e.g. "header says 'dt nais'": table words, never a data value
    owner_only: bool = False
    generic: bool = False


NOTHING = HeaderHint(None, 0.0, None, "")


def tokens(header: str) -> list[str]:
    """``"DT_DERN_VisiteDate1"`` -> ``["dt", "dern", "visite", "date", "1"]``."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", header)
    text = re.sub(r"([A-Za-z])(\d)|(\d)([A-Za-z])", r"\1\3 \2\4", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [t for t in re.split(r"[^a-z0-9]+", text) if t]


def is_generated_name(header: str) -> bool:
    """Whether the reader invented the name (a file without header row): it says nothing."""
    return re.fullmatch(r"column_\d+", header) is not None


def read_header(header: str) -> HeaderHint:
    """The header's evidence. FHIR paths are read from their last step, HL7 fields by table."""
    hl7 = _HL7_NAME.match(header)
    if hl7:
        segment, field, component = hl7.groups()
        for key in (f"{segment}-{field}.{component}", f"{segment}-{field}"):
            if key in HL7_FIELDS:
                category, subject = HL7_FIELDS[key]
                return HeaderHint(category, 1.0, subject, f"HL7 field {key}")
        return NOTHING
    if is_generated_name(header):
        return NOTHING
    all_tokens = tokens(header)
    last_step = tokens(re.sub(r"\[\d+\]", "", header).rsplit(".", 1)[-1])
    hint = _read(last_step) or _read(all_tokens)
    owner = _owner(all_tokens)
    if hint is None:
        return HeaderHint(None, 0.0, owner, "")
    return hint if hint.subject is not None else _with_subject(hint, owner)


def plugin_header(header: str, detectors: Sequence[Detector]) -> HeaderHint | None:
    """What a header says through a detector's own ``header_words`` (a plug-in's vocabulary),
    read only where sceau's tables say nothing, so sceau's own readings never change."""
    words = set(tokens(header))
    for detector in detectors:
        word = next((w for w in detector.header_words if w in words), None)
        if word is not None:
            return HeaderHint(detector.category, _PLUGIN_WEIGHT, None, f"header says {word!r}")
    return None


_PLUGIN_WEIGHT = 0.8  # a word of the category's own detector: strong, never certain


def _with_subject(hint: HeaderHint, subject: Subject | None) -> HeaderHint:
    return HeaderHint(
        hint.category, hint.weight, subject, hint.reason, hint.owner_only, hint.generic
    )


def _spelt(words: list[str]) -> list[tuple[int, str, str]]:
    """(position, word, concept) for every word of the table, in header order."""
    return [
        (position, word, concept)
        for position, word in enumerate(words)
        for concept in _SPELLINGS.get(word, ())
    ]


def _owner(words: list[str]) -> Subject | None:
    return next((OWNERS[c] for _, _, c in _spelt(words) if c in OWNERS), None)


def _read(words: list[str]) -> HeaderHint | None:
    """The best rule among the concepts the words spell."""
    spelt = _spelt(words)
    concepts = {concept for _, _, concept in spelt}
    if "aggregate" in concepts:
        aggregate = next(word for _, word, concept in spelt if concept == "aggregate")
        category, weight = AGGREGATE
        reason = f"header says '{aggregate}': an aggregate"
        return HeaderHint(category, weight, Subject.UNKNOWN, reason)  # nobody's own value
    best: tuple[tuple[int, float, bool, int], str, float] | None = None
    for rule_set, key in _RULE_SETS.items():
        if not rule_set <= concepts:
            continue
        category, weight, flags, _ = RULES[key]
        used = [(p, w) for p, w, c in spelt if c in rule_set]
        if len(rule_set) == 1:  # alone, an ambiguous spelling counts for less
            weight *= max(AMBIGUOUS.get(w, 1.0) for _, w in used)
        rank = (len(rule_set), weight, not flags & OWNER, -min(p for p, _ in used))
        if best is None or rank > best[0]:
            best = (rank, key, weight)
    if best is None:
        return None
    _, key, weight = best
    category, _, flags, subject = RULES[key]
    said = " ".join(dict.fromkeys(w for _, w, c in spelt if c in frozenset(key.split())))
    return HeaderHint(
        category,
        round(weight, 3),
        subject,
        f"header says '{said}'",
        owner_only=bool(flags & OWNER),
        generic=bool(flags & GENERIC),
    )
