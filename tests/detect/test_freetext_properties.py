"""Properties of the free-text analyser over generated comments (hypothesis)."""

from __future__ import annotations

import unicodedata

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.detect.base import Category, HealthCategory
from sceau.detect.freetext import analyse_text, find_spans, health_by_row
from sceau.detect.health.fold import fold_term
from sceau.detect.health.lexicon import load_lexicon
from sceau.detect.health.terminology import Kind, load_matcher, terminology_concepts

from .stand_ins import EvenCode, Mail

DETECTORS = [EvenCode(), Mail()]
MATCHER = load_matcher()
FOLDED: dict[str, set[str]] = {}
for _pattern, _concept in zip(MATCHER.patterns, MATCHER.concept_of.tolist(), strict=True):
    if _concept >= 0:
        FOLDED.setdefault(MATCHER.concepts[_concept].source, set()).add(
            _pattern.strip(" ").removesuffix("+")
        )
# Terms that count on their own: not the gated drug names, not the charities.
TERMS = [
    (term, entry.category)
    for entry in load_lexicon().entries
    if entry.kind not in ("gated", "not_patient")
    for term in entry.terms
] + [
    (term, min(concept.categories))
    for concept, terms in terminology_concepts()[::25]
    if concept.kind is Kind.PLAIN
    for term in terms
]
WORDS = [
    "patient", "à", "jeun", "prélèvement", "hémolysé", "RAS", "K+", "TS", "SA", "OH", "néo",
    "tube", "lithium", "12", "4,2", "ng/mL", "ovih", "sans", "particularité", "Dr", "Martin",
    "C000002", "C000001", "jean@labo.fr", "€", "«", "»", "😀", "ÉTÉ", "œuf",
]  # fmt: skip
SEPARATORS = [" ", ", ", "; ", " - ", "\n", " (", ") ", ": ", " / ", "  "]


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


@st.composite
def comments(draw: st.DrawFn) -> str:
    pieces = draw(
        st.lists(
            st.one_of(st.sampled_from(WORDS), st.sampled_from(TERMS).map(lambda t: t[0])),
            max_size=8,
        )
    )
    out = ""
    for piece in pieces:
        out += piece + draw(st.sampled_from(SEPARATORS))
    return out


cells = st.one_of(st.none(), comments(), st.text(max_size=40))


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, HealthCategory]:
    term, category = draw(st.sampled_from(TERMS))
    if draw(st.booleans()):
        term = _strip_accents(term)
    flips = draw(st.lists(st.booleans(), min_size=len(term), max_size=len(term)))
    term = "".join(c.upper() if flip else c.lower() for c, flip in zip(term, flips, strict=True))
    before = draw(comments())
    after = draw(comments())
    # In a clause of its own, between words that belong to no term, so that no cue reaches it.
    return f"{before} ; RAS ; {term} ; RAS ; {after}", category


@settings(max_examples=60, deadline=None)
@given(st.lists(cells, max_size=30))
def test_counts_equal_the_rows_summed(values):
    series = pl.Series(values, dtype=pl.String)
    analysis = analyse_text(series, DETECTORS)
    rows = health_by_row(series).to_list()
    assert len(rows) == len(values)
    assert analysis.cells == sum(v is not None for v in values)
    assert analysis.cells_with_health == sum(1 for row in rows if row)
    for category in HealthCategory:
        assert analysis.health.get(category, 0) == sum(category.value in row for row in rows)
    assert all(n > 0 for n in analysis.health.values())


@settings(max_examples=40, deadline=None)
@given(st.lists(cells, max_size=20), st.integers(min_value=0, max_value=20))
def test_analyses_are_additive(values, cut):
    series = pl.Series(values, dtype=pl.String)
    whole = analyse_text(series, DETECTORS)
    assert whole == analyse_text(series[:cut], DETECTORS) + analyse_text(series[cut:], DETECTORS)


@settings(max_examples=150, deadline=None)
@given(disguised())
def test_case_and_accents_do_not_hide_a_term(case):
    text, category = case
    assert category.value in health_by_row(pl.Series([text])).item().to_list()


@settings(max_examples=60, deadline=None)
@given(cells)
def test_spans_agree_with_the_column_analysis(text):
    if text is None:
        return
    spans = find_spans(text, DETECTORS)
    health = {s.category.value for s in spans if isinstance(s.category, HealthCategory)}
    assert health == set(health_by_row(pl.Series([text])).item().to_list())
    embedded: dict[Category, int] = {}
    for span in spans:
        if not isinstance(span.category, HealthCategory):
            embedded[span.category] = embedded.get(span.category, 0) + 1
    assert embedded == analyse_text(pl.Series([text]), DETECTORS).embedded
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        if isinstance(span.category, HealthCategory):
            covered = fold_term(text[span.start : span.end]).removesuffix("+")
            assert covered in FOLDED[span.source]
