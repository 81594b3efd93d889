"""Find health mentions in a folded column and decide, from their context, which ones count.

In the manner of edsnlp's qualifiers (``eds.negation``, ``eds.family``, ``eds.hypothesis``), a
cue applies to the terms of its *clause*: the text between two clause ends (``,`` ``;`` ``!``
line breaks, a sentence-ending ``.``, `` - `` `` / `` `` + ``, and boundary words such as "et",
"mais", "avec"). A mention is set aside, and counted apart, when it is:

- **not about the patient**: a charity or campaign ("Ligue contre le cancer"), a job, a
  colleague, a place ("infirmière en oncologie", "travaille à la maternité");
- **about a relative**: "mère décédée d'un K du sein", "ATCD familiaux de…"; a genetic test or
  predisposition still counts as genetic ("mutation BRCA1 chez la mère": it is the patient's
  predisposition);
- **negated**: "pas de…", "absence de…", "…négatif";
- **a hypothesis**: "suspicion de…", "…à éliminer", a question mark.

A test named for a category counts whatever its result or the doubt around it ("sérologie VIH
négative", "β-HCG à contrôler"). A gated drug name (also a lab word: "insuline") counts only after
a word of treatment ("sous", "TTT") or before a dose ("400 mg"). Of two mentions one inside the
other, the longer decides ("hormonothérapie de substitution" is not "hormonothérapie").

Everything is NumPy over all the mentions of all the cells at once: one Aho-Corasick pass finds
terms and cues, sorted positions and binary searches do the rest, with no loop over cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import polars as pl

from sceau.detect.base import HealthCategory
from sceau.detect.health.fold import Folded
from sceau.detect.health.terminology import BIT, Cue, Kind, Matcher

_GENETIC = BIT[HealthCategory.GENETIC]


class Reason(IntEnum):
    """Why a mention was set aside; the first that applies is the one recorded."""

    NOT_PATIENT = 0
    FAMILY = 1
    NEGATED = 2
    HYPOTHESIS = 3


@dataclass(frozen=True)
class Mentions:
    """Every health mention of a column: where it is, what it stands for, what counts of it."""

    cell: np.ndarray  # int64: index of the cell
    start: np.ndarray  # int64: first folded character, in the column's folded bytes
    end: np.ndarray  # int64: one past the last
    concept: np.ndarray  # int32: index into Matcher.concepts
    counted: np.ndarray  # uint16: category bits that count
    aside: np.ndarray  # uint16: category bits set aside
    reason: np.ndarray  # int8: Reason of `aside`, -1 when nothing is set aside


def find_mentions(folded: Folded, matcher: Matcher) -> Mentions:
    """Every term of every cell, with what its context lets count."""
    found = _matches(folded, matcher)
    concept = matcher.concept_of[found["pattern"]]
    cues = matcher.cues_of[found["pattern"]]
    start, cell = found["start"], found["cell"]
    end = start + matcher.inner[found["pattern"]]

    is_term = concept >= 0
    t_start, t_end, t_concept, t_cell = (
        start[is_term],
        end[is_term],
        concept[is_term],
        cell[is_term],
    )
    order = np.lexsort((-t_end, t_start))
    t_start, t_end, t_concept, t_cell = (
        t_start[order],
        t_end[order],
        t_concept[order],
        t_cell[order],
    )
    outer = ~_nested(t_start, t_end)
    t_start, t_end, t_concept, t_cell = (
        t_start[outer],
        t_end[outer],
        t_concept[outer],
        t_cell[outer],
    )

    has_cue = (cues != 0) & ~_inside(start, end, t_start, t_end)
    c_start, c_end, c_bits = start[has_cue], end[has_cue], cues[has_cue]
    ends = np.concatenate(
        [folded.offsets[:-1], folded.marks.clause_ends, c_start[(c_bits & 1) != 0]]
    )
    ends.sort()
    clause_of_start = np.searchsorted(ends, t_start, "right")
    clause_of_end = np.searchsorted(ends, t_end - 1, "right")

    def before(cue: Cue) -> np.ndarray:
        chosen = (c_bits & (1 << cue)) != 0
        return _cue_before(c_end[chosen], ends, t_start, clause_of_start)

    def after(cue: Cue) -> np.ndarray:
        chosen = (c_bits & (1 << cue)) != 0
        return _cue_after(c_start[chosen], ends, t_end, clause_of_end)

    def anywhere(positions: np.ndarray) -> np.ndarray:
        clauses = np.zeros(len(ends) + 2, dtype=bool)
        clauses[np.searchsorted(ends, positions, "right")] = True
        either: np.ndarray = clauses[clause_of_start] | clauses[clause_of_end]
        return either

    def cue_anywhere(cue: Cue) -> np.ndarray:
        return anywhere(c_start[(c_bits & (1 << cue)) != 0])

    kind = matcher.kinds[t_concept]
    bits = matcher.bits[t_concept]
    test = kind == Kind.TEST
    gated_off = (kind == Kind.GATED) & ~(before(Cue.TREATMENT_BEFORE) | after(Cue.DOSE_AFTER))
    reasons = np.stack(
        [
            cue_anywhere(Cue.NOT_PATIENT) | (kind == Kind.NOT_PATIENT),
            cue_anywhere(Cue.FAMILY),
            ~test & (before(Cue.NEGATION_BEFORE) | after(Cue.NEGATION_AFTER)),
            ~test
            & (
                before(Cue.HYPOTHESIS_BEFORE)
                | after(Cue.HYPOTHESIS_AFTER)
                | anywhere(folded.marks.questions)
            ),
        ]
    )
    counted = bits.copy()
    counted[reasons[Reason.NOT_PATIENT] | reasons[Reason.NEGATED] | reasons[Reason.HYPOTHESIS]] = 0
    counted[reasons[Reason.FAMILY]] &= np.where(test, _GENETIC, 0).astype(np.uint16)[
        reasons[Reason.FAMILY]
    ]
    counted[gated_off | (kind == Kind.PSEUDO)] = 0
    aside = np.where(gated_off | (kind == Kind.PSEUDO), 0, bits & ~counted).astype(np.uint16)
    reason = np.where(aside != 0, np.argmax(reasons, axis=0), -1).astype(np.int8)
    return Mentions(t_cell, t_start, t_end, t_concept, counted, aside, reason)


def _matches(folded: Folded, matcher: Matcher) -> dict[str, np.ndarray]:
    """Every pattern found, overlapping ones included: cell, pattern, first character."""
    text = folded.text
    frame = (
        pl.DataFrame(
            {
                "pattern": text.str.extract_many(matcher.searched, overlapping=True),
                "at": text.str.find_many(matcher.searched, overlapping=True),
            }
        )
        .with_row_index("cell")
        .explode(["pattern", "at"])
        .drop_nulls("pattern")
        .select(
            pl.col("cell").cast(pl.Int64),
            pl.col("pattern").cast(matcher.as_index).to_physical().cast(pl.Int64),
            pl.col("at").cast(pl.Int64),
        )
    )
    cell = frame["cell"].to_numpy()
    return {
        "cell": cell,
        "pattern": frame["pattern"].to_numpy(),
        "start": folded.offsets[cell] + frame["at"].to_numpy() + 1,  # after the padding space
    }


def _nested(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Of spans sorted by start then longest first, those inside an earlier one."""
    if len(start) == 0:
        return np.zeros(0, dtype=bool)
    reach = np.maximum.accumulate(end)
    nested = np.zeros(len(start), dtype=bool)
    nested[1:] = reach[:-1] >= end[1:]
    return nested


def _inside(
    start: np.ndarray, end: np.ndarray, outer_start: np.ndarray, outer_end: np.ndarray
) -> np.ndarray:
    """Which spans lie inside one of the (sorted, non-nested) outer spans; themselves excluded."""
    if len(outer_start) == 0:
        return np.zeros(len(start), dtype=bool)
    last = np.searchsorted(outer_start, start, "right") - 1
    found = last >= 0
    last = np.maximum(last, 0)
    within = found & (outer_end[last] >= end)
    same = (outer_start[last] == start) & (outer_end[last] == end)
    inside: np.ndarray = within & ~same
    return inside


def _cue_before(
    cue_end: np.ndarray, ends: np.ndarray, term_start: np.ndarray, term_clause: np.ndarray
) -> np.ndarray:
    """Whether a cue ends before each term starts, in the term's clause."""
    if len(cue_end) == 0:
        return np.zeros(len(term_start), dtype=bool)
    cue_end = np.sort(cue_end)
    last = np.searchsorted(cue_end, term_start, "right") - 1
    found = last >= 0
    clause = np.searchsorted(ends, cue_end[np.maximum(last, 0)] - 1, "right")
    before: np.ndarray = found & (clause == term_clause)
    return before


def _cue_after(
    cue_start: np.ndarray, ends: np.ndarray, term_end: np.ndarray, term_clause: np.ndarray
) -> np.ndarray:
    """Whether a cue starts after each term ends, in the term's (last) clause."""
    if len(cue_start) == 0:
        return np.zeros(len(term_end), dtype=bool)
    cue_start = np.sort(cue_start)
    first = np.searchsorted(cue_start, term_end, "left")
    found = first < len(cue_start)
    clause = np.searchsorted(ends, cue_start[np.minimum(first, len(cue_start) - 1)], "right")
    after: np.ndarray = found & (clause == term_clause)
    return after
