"""Free-text analysis: health categories per cell and per column, identifiers, spans, prose."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from sceau.detect.base import Category, DetectError, Detector, HealthCategory
from sceau.detect.freetext import (
    Span,
    TextAnalysis,
    analyse_columns,
    analyse_rows,
    analyse_text,
    count_embedded,
    embeddable_detectors,
    find_spans,
    health_by_row,
    health_mask,
    prose_share,
    text_pattern,
)

from .stand_ins import EvenCode, Mail

VECTORS = Path(__file__).parents[1] / "vectors" / "health"
PHRASES = json.loads((VECTORS / "phrases.json").read_text(encoding="utf-8"))["phrases"]
SPANS = json.loads((VECTORS / "spans.json").read_text(encoding="utf-8"))["cases"]
CONTEXT = json.loads((VECTORS / "context.json").read_text(encoding="utf-8"))["cases"]


class Broken(Detector):
    name = "test_broken"
    category = Category.PHONE
    pattern = r"(unclosed"
    embeddable = True


DETECTORS = [EvenCode(), Mail()]


@pytest.mark.parametrize("case", PHRASES, ids=[p["text"][:40] for p in PHRASES])
def test_phrase_vectors(case):
    found = health_by_row(pl.Series([case["text"]])).item().to_list()
    assert sorted(found) == sorted(case["categories"])


def test_all_vectors_in_one_column_give_the_same_rows():
    values = pl.Series([case["text"] for case in PHRASES])
    rows = health_by_row(values).to_list()
    assert [sorted(row) for row in rows] == [sorted(case["categories"]) for case in PHRASES]


@pytest.mark.parametrize("case", CONTEXT, ids=[c["text"][:40] for c in CONTEXT])
def test_context_vectors(case):
    found = health_by_row(pl.Series([case["text"]])).item().to_list()
    assert found == case["categories"], case["trap"]


def test_context_vectors_are_many_and_mostly_hard_negatives():
    assert len(CONTEXT) >= 150
    assert sum(not case["categories"] for case in CONTEXT) >= 100


@pytest.mark.parametrize("case", SPANS, ids=[c["text"][:30] for c in SPANS])
def test_span_vectors_point_at_the_right_substring(case):
    spans = find_spans(case["text"], [])
    got = sorted((s.source, s.category.value, case["text"][s.start : s.end]) for s in spans)
    assert got == sorted((s["source"], s["category"], s["covers"]) for s in case["spans"])


def test_analyse_text_counts_cells_not_words():
    values = pl.Series(["VIH VIH VIH, séropo", "K sein", None, "RAS", "VIH + chimio"])
    analysis = analyse_text(values, [])
    assert analysis == TextAnalysis(
        cells=4,
        cells_with_health=3,
        health={HealthCategory.HIV: 2, HealthCategory.CANCER: 2, HealthCategory.TREATMENT: 1},
        embedded={},
    )


def test_mentions_set_aside_are_counted_apart_by_reason():
    values = pl.Series(
        [
            "pas de métastase",  # negated
            "mère : K du sein",  # a relative's
            "? grossesse",  # a hypothesis
            "bénévole à la Ligue contre le cancer",  # not the patient
            "VIH négatif, pas de VIH connu",  # a test counts: nothing HIV is hidden
            "pas de K sein, sous chimio",  # counted as CANCER elsewhere in the cell
            "RAS",
        ]
    )
    analysis = analyse_text(values, [])
    assert analysis.health == {
        HealthCategory.HIV: 1,
        HealthCategory.CANCER: 1,
        HealthCategory.TREATMENT: 1,
    }
    assert analysis.set_aside == {"negated": 1, "family": 1, "hypothesis": 1, "not_patient": 1}


def test_analyses_of_batches_add_up():
    values = pl.Series(
        ["VIH C000002", "a@b.fr K sein", None, "G1P0", "C000001 sous AVK", "x@y.fr z@w.fr"]
    )
    whole = analyse_text(values, DETECTORS)
    parts = analyse_text(values[:2], DETECTORS) + analyse_text(values[2:], DETECTORS)
    assert whole == parts
    assert whole.embedded == {Category.RECORD_ID: 1, Category.EMAIL: 3}


def test_embedded_identifiers_are_validated_and_every_occurrence_counted():
    values = pl.Series(["codes C000002, C000004 et C000001", "C0000022 is too long", None, ""])
    assert count_embedded(values, [EvenCode()]) == {Category.RECORD_ID: 2}
    assert count_embedded(values, []) == {}
    assert count_embedded(pl.Series([], dtype=pl.String), [EvenCode()]) == {}


def test_detectors_of_one_category_are_summed():
    class OtherCode(EvenCode):
        name = "test_other_code"
        pattern = r"\bD[0-9]{6}\b"

    values = pl.Series(["C000002 D000002"])
    assert count_embedded(values, [EvenCode(), OtherCode()]) == {Category.RECORD_ID: 2}


def test_a_broken_detector_is_named_and_no_value_leaks():
    values = pl.Series(["VIH, appeler le 06 12 34 56 78"])
    with pytest.raises(DetectError, match="test_broken") as raised:
        count_embedded(values, [Mail(), Broken()])
    assert "06 12" not in str(raised.value)
    assert "VIH" not in str(raised.value)


def test_registered_embeddable_detectors_are_the_default():
    assert all(detector.embeddable for detector in embeddable_detectors())
    analysis = analyse_text(pl.Series(["RAS", None]))
    assert analysis.cells == 1


def test_identifier_spans():
    text = "Ré: C000002 / C000001, écrire à jean@labo.fr"
    spans = find_spans(text, DETECTORS)
    assert [(s.source, text[s.start : s.end]) for s in spans] == [
        ("test_even_code", "C000002"),
        ("test_mail", "jean@labo.fr"),
    ]
    assert spans[0] == Span(Category.RECORD_ID, 4, 11, "test_even_code")


def test_identifier_spans_survive_private_use_characters():
    text = "\ue000C000002\ue001 \ue001"
    spans = find_spans(text, [EvenCode()])
    assert [(s.start, s.end) for s in spans] == [(1, 8)]


def test_health_mask_and_rows_for_nulls_and_other_dtypes():
    assert health_mask(pl.Series([None, None])).to_list() == [0, 0]
    assert health_by_row(pl.Series([None])).to_list() == [[]]
    categorical = pl.Series(["VIH", "RAS"], dtype=pl.Categorical)
    assert health_by_row(categorical).to_list() == [["HIV"], []]
    assert health_by_row(pl.Series("c", ["VIH"])).name == "c"


def test_analyse_rows_gives_each_rows_health_as_each_column_would():
    texts = [case["text"] for case in PHRASES]
    frame = pl.DataFrame(
        {
            "a": [*texts, None, "RAS", texts[0]],
            "b": [None, *reversed(texts), "VIH positif", texts[-1]],
        }
    )
    by_column, health = analyse_rows(frame)
    assert by_column == analyse_columns(frame)
    expected = health_mask(frame["a"]) | health_mask(frame["b"])
    assert health.dtype == pl.UInt16
    assert health.to_list() == expected.to_list()
    assert any(health.to_list())


def test_prose_share():
    comments = pl.Series(["patient à jeun, prélèvement difficile", "tube coagulé à refaire", "RAS"])
    assert prose_share(comments) == pytest.approx(2 / 3)
    codes = pl.Series(["AB12", "06 12 34 56 78", "2024-01-02", None, ""])
    assert prose_share(codes) == 0.0
    assert prose_share(pl.Series([], dtype=pl.String)) == 0.0


def test_text_patterns_use_ascii_word_boundaries():
    assert text_pattern(r"\bC[0-9]\b") == r"(?-u:\b)C[0-9](?-u:\b)"
    assert text_pattern(r"\\b\B") == r"\\b(?-u:\B)"
    assert text_pattern(r"[\b]") == r"[\b]"  # the rewrite would not compile: kept as it is


def test_an_accented_letter_ends_a_word_for_embedded_identifiers():
    class Code(Detector):
        name = "test_code"
        category = Category.RECORD_ID
        pattern = r"\bC[0-9]{6}\b"
        embeddable = True

    text = "réC000002é"
    assert count_embedded(pl.Series([text]), [Code()]) == {Category.RECORD_ID: 1}
    assert [(s.start, s.end) for s in find_spans(text, [Code()])] == [(2, 9)]


def test_repeated_comments_are_analysed_once_and_counted_as_often_as_they_occur():
    phrases = ["RAS", "VIH négatif, K sein", None, "C000002 sous AVK", "pas de K sein", "a@b.fr"]
    values = pl.Series(phrases * 500)
    assert values.n_unique() * 2 <= values.len()  # the distinct-text path
    by_slices = TextAnalysis()
    for start in range(0, values.len(), 600):  # slices under 1,000 rows: the cell-by-cell path
        by_slices = by_slices + analyse_text(values[start : start + 600], DETECTORS)
    assert analyse_text(values, DETECTORS) == by_slices
    assert by_slices.health == {
        HealthCategory.HIV: 500,
        HealthCategory.CANCER: 500,
        HealthCategory.TREATMENT: 500,
    }
    assert by_slices.embedded == {Category.RECORD_ID: 500, Category.EMAIL: 500}
    assert by_slices.set_aside == {"negated": 500}
    assert by_slices.cells == 2500


def test_a_scan_reports_what_the_context_set_aside(tmp_path):
    from sceau.detect.scan import scan

    path = tmp_path / "comments.csv"
    rows = ["pas de métastase", "mère : K du sein", "VIH+", "RAS"] * 300
    path.write_text("id;commentaire\n" + "".join(f"{i};{r}\n" for i, r in enumerate(rows)))
    (table,) = scan([path]).tables
    column = next(c for c in table.columns if c.name == "commentaire")
    assert column.health_categories == {HealthCategory.HIV: 300}
    assert column.health_set_aside == {"negated": 300, "family": 300}
    assert table.to_dict()["columns"][1]["health_set_aside"] == {"negated": 300, "family": 300}
