"""Free text (lab comments): which health categories and which identifiers a column's cells hold.

A column is analysed in a fixed, small number of passes, whatever the terminologies' size: one
fold (:mod:`sceau.detect.health.fold`), one Aho-Corasick search for every health term and context
cue at once, the context rules over all mentions at once (:mod:`sceau.detect.health.context`),
and one regex pass per embeddable detector; repeated comments are analysed once. Results are
counts, never values, and they add up: the scanner analyses batch after batch and sums the
:class:`TextAnalysis` it gets. Mentions the context sets aside (negated, about a relative, a
hypothesis, not about the patient) are counted apart, so that nothing is hidden.

:func:`find_spans` does the same for one string and says where each finding sits, for reports and
redaction; a span records the lexicon id or the ATC / CIM-10 code, not the words it covers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar

import numpy as np
import polars as pl

from sceau.detect.base import Category, DetectError, Detector, HealthCategory, registered
from sceau.detect.health.context import Reason, find_mentions
from sceau.detect.health.fold import Folded, fold_marked, fold_text
from sceau.detect.health.lexicon import Lexicon
from sceau.detect.health.terminology import BIT as _BIT
from sceau.detect.health.terminology import Matcher, compile_matcher, load_matcher

SET_ASIDE = tuple(reason.name.lower() for reason in Reason)  # "not_patient", "family", …
_Key = TypeVar("_Key")
_HIT = "sceau_hit"
_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks around a regex match in one string
_DISTINCT_SHARE = 0.5  # analyse distinct texts when at most this share of cells differ
_UNICODE_BOUNDARY = re.compile(r"(?<!\\)((?:\\\\)*)\\([bB])")  # \b or \B, not \\b


@dataclass
class TextAnalysis:
    """Counts over the cells of a free-text column; two analyses of two batches add up."""

    cells: int = 0  # non-null cells read
    cells_with_health: int = 0  # cells mentioning at least one health category
    health: dict[HealthCategory, int] = field(default_factory=dict)  # cells per category
    embedded: dict[Category, int] = field(default_factory=dict)  # valid identifiers found
    # cells where a mention was set aside, by reason (one of SET_ASIDE), when it named a
    # category the cell does not count otherwise
    set_aside: dict[str, int] = field(default_factory=dict)

    def __add__(self, other: TextAnalysis) -> TextAnalysis:
        return TextAnalysis(
            self.cells + other.cells,
            self.cells_with_health + other.cells_with_health,
            _add(self.health, other.health),
            _add(self.embedded, other.embedded),
            _add(self.set_aside, other.set_aside),
        )


@dataclass(frozen=True)
class Span:
    """Where one finding sits in a string: ``text[start:end]``, and which rule found it."""

    category: HealthCategory | Category
    start: int
    end: int
    source: str  # lexicon id ("HIV.vih"), code ("ATC:J05AR03", "CIM10:C50") or detector ("nir")


def embeddable_detectors() -> list[Detector]:
    """The registered detectors that can find their category inside free text."""
    return [detector for detector in registered() if detector.embeddable]


def analyse_text(
    values: pl.Series,
    detectors: Sequence[Detector] | None = None,
    *,
    lexicon: Lexicon | None = None,
) -> TextAnalysis:
    """Count the health categories, the mentions set aside by context and the valid embedded
    identifiers of a string column."""
    frame = values.cast(pl.String).rename("text").to_frame()
    return analyse_columns(frame, detectors, lexicon=lexicon)["text"]


def analyse_columns(
    frame: pl.DataFrame,
    detectors: Sequence[Detector] | None = None,
    *,
    lexicon: Lexicon | None = None,
) -> dict[str, TextAnalysis]:
    """:func:`analyse_text` of every column of ``frame``, in one pass over all of them.

    The columns' cells are stacked and analysed together: the lexicon's automaton and each
    detector's regex are built once for every column (building them costs more than searching a
    batch), and each distinct text of a column is analysed once.
    """
    return _analyse(frame, detectors, lexicon)[0]


def analyse_rows(
    frame: pl.DataFrame,
    detectors: Sequence[Detector] | None = None,
    *,
    lexicon: Lexicon | None = None,
) -> tuple[dict[str, TextAnalysis], pl.Series]:
    """:func:`analyse_columns`, and per row the bits of the health categories its cells mention
    about the patient, every column together (``UInt16``; what :func:`health_mask` gives each
    column): a reader of the rows needs them, and they are found here already."""
    result, cells, mask = _analyse(frame, detectors, lexicon)
    found = cells.select("c", "text", pl.Series("mask", mask, dtype=pl.UInt16))
    health = pl.Series("health", np.zeros(frame.height, dtype=np.uint16))
    for index, name in enumerate(frame.columns):
        own = found.filter(pl.col("c") == index).drop("c")
        cell = frame.select(pl.col(name).cast(pl.String).alias("text"))
        joined = cell.join(own, on="text", how="left", maintain_order="left")
        health = health | joined["mask"].fill_null(0)
    return result, health.alias("health")


def _analyse(
    frame: pl.DataFrame, detectors: Sequence[Detector] | None, lexicon: Lexicon | None
) -> tuple[dict[str, TextAnalysis], pl.DataFrame, np.ndarray]:
    """Every column's analysis, with the distinct cells analysed and their health bits."""
    cells = _distinct_cells(frame)
    mask, aside = _health(cells["text"], _matcher(lexicon))
    embedded = _count_embedded(cells, detectors)
    column, weight = cells["c"].to_numpy(), cells["weight"].to_numpy()
    result: dict[str, TextAnalysis] = {}
    for index, name in enumerate(frame.columns):
        own = column == index
        w, m, a = weight[own], mask[own], aside[own]
        health = {category: int(w[(m & bit) != 0].sum()) for category, bit in _BIT.items()}
        set_aside = {
            reason_name: int(w[(a & (1 << reason)) != 0].sum())
            for reason_name, reason in zip(SET_ASIDE, Reason, strict=True)
        }
        result[name] = TextAnalysis(
            cells=frame[name].len() - frame[name].null_count(),
            cells_with_health=int(w[m != 0].sum()),
            health={category: n for category, n in health.items() if n},
            embedded=embedded.get(index, {}),
            set_aside={reason_name: n for reason_name, n in set_aside.items() if n},
        )
    return result, cells, mask


def _matcher(lexicon: Lexicon | None) -> Matcher:
    return load_matcher() if lexicon is None else compile_matcher(lexicon)


def _health(values: pl.Series, matcher: Matcher) -> tuple[np.ndarray, np.ndarray]:
    """Per cell, the category bits that count and the reasons (bits) of what was set aside."""
    folded = fold_marked(values)
    mentions = find_mentions(folded, matcher)
    cells = values.len()
    mask = np.zeros(cells, dtype=np.uint16)
    np.bitwise_or.at(mask, mentions.cell, mentions.counted)
    aside = np.zeros(cells, dtype=np.uint8)
    hidden = (mentions.aside & ~mask[mentions.cell]) != 0  # not counted by another mention
    np.bitwise_or.at(
        aside,
        mentions.cell[hidden],
        (1 << mentions.reason[hidden].astype(np.int64)).astype(np.uint8),
    )
    return mask, aside


def _distinct_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """The cells of every column as ``c`` (the column's position), ``text`` and ``weight`` (how
    many of the column's cells hold that text).

    Lab comments repeat ("RAS", "hémolysé", a template): each distinct text of a column is
    analysed once and counted as often as it occurs.
    """
    stacked = [
        frame.select(
            pl.lit(index, pl.UInt32).alias("c"), pl.col(name).cast(pl.String).alias("text")
        )
        for index, name in enumerate(frame.columns)
    ]
    if not stacked:
        return pl.DataFrame(schema={"c": pl.UInt32, "text": pl.String, "weight": pl.UInt32})
    return pl.concat(stacked).group_by("c", "text").agg(pl.len().cast(pl.UInt32).alias("weight"))


def health_mask(values: pl.Series, lexicon: Lexicon | None = None) -> pl.Series:
    """Per cell, a bit set for each health category it mentions about the patient (``UInt16``;
    0 for nulls), context applied."""
    text = values.cast(pl.String)
    distinct = text.unique()
    if distinct.len() > _DISTINCT_SHARE * text.len():
        mask, _ = _health(text, _matcher(lexicon))
        return pl.Series(values.name, mask, dtype=pl.UInt16)
    mask, _ = _health(distinct, _matcher(lexicon))
    lookup = pl.DataFrame({"text": distinct, "mask": pl.Series(mask, dtype=pl.UInt16)})
    joined = text.to_frame("text").join(lookup, on="text", how="left", maintain_order="left")
    return joined["mask"].fill_null(0).alias(values.name)


def health_by_row(values: pl.Series, lexicon: Lexicon | None = None) -> pl.Series:
    """Per cell, the health categories it mentions about the patient (``list[str]``, in enum
    order; [] for nulls), context applied."""
    mask = health_mask(values, lexicon)
    every = np.arange(1 << len(_BIT), dtype=np.uint16)
    names = [[c.value for c, bit in _BIT.items() if value & bit] for value in every.tolist()]
    listed = pl.Series(names, dtype=pl.List(pl.String)).gather(mask.cast(pl.Int64))
    return listed.alias(values.name)


def count_embedded(
    values: pl.Series, detectors: Sequence[Detector] | None = None
) -> dict[Category, int]:
    """How many valid identifiers of each category the cells hold, every occurrence counted."""
    frame = values.cast(pl.String).rename("text").to_frame()
    return _count_embedded(_distinct_cells(frame), detectors).get(0, {})


def _count_embedded(
    cells: pl.DataFrame, detectors: Sequence[Detector] | None
) -> dict[int, dict[Category, int]]:
    """Per column position ``c``, the valid identifiers of each category its cells hold."""
    detectors = embeddable_detectors() if detectors is None else list(detectors)
    if not detectors or cells.height == 0:
        return {}
    try:
        counts = pl.collect_all([_valid_counts(cells.lazy(), detector) for detector in detectors])
    except pl.exceptions.PolarsError:
        _name_failing_detector(cells, detectors)
        raise
    result: dict[int, dict[Category, int]] = {}
    for detector, by_column in zip(detectors, counts, strict=True):
        for column, count in by_column.iter_rows():
            if count:
                found = result.setdefault(column, {})
                found[detector.category] = found.get(detector.category, 0) + count
    return result


@cache
def text_pattern(pattern: str) -> str:
    """A detector's pattern with ASCII word boundaries, for searching inside text.

    A Unicode ``\\b`` stops the regex engine's fast DFA at the first accented letter, and French
    comments are full of them: with ASCII boundaries the same search runs about ten times faster.
    Identifiers are ASCII, so what they match is the same, except that an accented letter now
    ends a word. A pattern the rewrite would break is kept as it is.
    """
    rewritten = _UNICODE_BOUNDARY.sub(lambda m: f"{m.group(1)}(?-u:\\{m.group(2)})", pattern)
    try:
        pl.Series([""]).str.contains(rewritten)
    except pl.exceptions.PolarsError:
        return pattern
    return rewritten


def _valid_counts(cells: pl.LazyFrame, detector: Detector) -> pl.LazyFrame:
    """Valid occurrences per column ``c``, each counted with its cell's weight."""
    found = cells.select(
        "c", "weight", pl.col("text").str.extract_all(text_pattern(detector.pattern)).alias("hit")
    ).explode("hit")
    cell = detector.normalise(pl.col("hit"))
    valid = (detector.validate(cell) & cell.is_not_null()).fill_null(False)
    return found.filter(valid).group_by("c").agg(pl.col("weight").sum().cast(pl.Int64))


def _name_failing_detector(frame: pl.DataFrame, detectors: Sequence[Detector]) -> None:
    """Re-run the detectors one by one to raise an error naming the faulty one."""
    for detector in detectors:
        try:
            _valid_counts(frame.lazy(), detector).collect()
        except pl.exceptions.PolarsError:
            raise DetectError(
                f"detector {detector.name!r} failed on free text",
                hint="check its `pattern` (Rust regex syntax), `normalise` and `validate`",
                where=f"detector {detector.name}",
            ) from None


def prose_share(values: pl.Series) -> float:
    """Share of non-empty cells that read as prose: three words or more, 15 characters or more.

    Evidence for the classifier that a column is free text rather than codes, names or dates.
    """
    text = values.cast(pl.String).str.strip_chars()
    text = text.filter(text.is_not_null() & (text != ""))
    if text.len() == 0:
        return 0.0
    words = text.str.count_matches(r"[^\W\d_]{2,}")
    prose = (words >= 3) & (text.str.len_chars() >= 15) & text.str.contains(" ", literal=True)
    return float(prose.sum()) / text.len()


def find_spans(
    text: str,
    detectors: Sequence[Detector] | None = None,
    *,
    lexicon: Lexicon | None = None,
) -> list[Span]:
    """Every health term and valid embedded identifier in one string, with its character offsets.

    Finds exactly what :func:`analyse_text` counts for a one-cell column: a health term that
    counts as two categories (a drug and its condition) gives one span for each.
    """
    return sorted(
        _health_spans(text, _matcher(lexicon)) + _identifier_spans(text, detectors),
        key=lambda span: (span.start, span.end, span.source, span.category),
    )


def _health_spans(text: str, matcher: Matcher) -> list[Span]:
    folded, origin, marks = fold_text(text)
    offsets = np.array([0, len(folded)], dtype=np.int64)
    mentions = find_mentions(Folded(pl.Series([folded]), offsets, marks), matcher)
    spans = []
    for start, end, concept, counted in zip(
        mentions.start.tolist(),
        mentions.end.tolist(),
        mentions.concept.tolist(),
        mentions.counted.tolist(),
        strict=True,
    ):
        source = matcher.concepts[concept].source
        for category, bit in _BIT.items():
            if counted & bit:
                spans.append(Span(category, origin[start], origin[end - 1] + 1, source))
    return spans


def _identifier_spans(text: str, detectors: Sequence[Detector] | None) -> list[Span]:
    detectors = embeddable_detectors() if detectors is None else list(detectors)
    # The marks must not occur in the text: a private-use character becomes U+FFFD, one for one.
    safe = text.replace(_OPEN, "\ufffd").replace(_CLOSE, "\ufffd")
    spans = []
    for detector in detectors:
        marked = (
            pl.Series([safe])
            .str.replace_all(
                f"(?P<{_HIT}>{text_pattern(detector.pattern)})", f"{_OPEN}${{{_HIT}}}{_CLOSE}"
            )
            .item()
        )
        found = [(start, end) for start, end in _marked_ranges(marked) if end > start]
        if not found:
            continue
        candidates = pl.DataFrame({"text": [text[start:end] for start, end in found]})
        cell = detector.normalise(pl.col("text"))
        valid = candidates.select((detector.validate(cell) & cell.is_not_null()).fill_null(False))
        for (start, end), ok in zip(found, valid.to_series().to_list(), strict=True):
            if ok:
                spans.append(Span(detector.category, start, end, detector.name))
    return spans


def _marked_ranges(marked: str) -> list[tuple[int, int]]:
    """The (start, end) of each marked match, in the unmarked string's characters."""
    ranges: list[tuple[int, int]] = []
    opening = marked.find(_OPEN)
    while opening >= 0:
        closing = marked.find(_CLOSE, opening)
        marks_before = 2 * len(ranges)
        ranges.append((opening - marks_before, closing - marks_before - 1))
        opening = marked.find(_OPEN, closing)
    return ranges


def _add(left: Mapping[_Key, int], right: Mapping[_Key, int]) -> dict[_Key, int]:
    total = dict(left)
    for key, value in right.items():
        total[key] = total.get(key, 0) + value
    return total
