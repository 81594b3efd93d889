"""The held-out comment cells are well-formed and labelled by the stated conventions.

Only the data is checked here: how well sceau scores on it is a figure to read
(``python -m tests.foreign.score --holdout``), never a test to pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

import pytest
from tests.foreign import holdout
from tests.foreign.score import render_holdout, score_holdout

from sceau.detect.base import HealthCategory

CELLS = holdout.load()
CATEGORIES = {c.value for c in HealthCategory}


def _normalised(text: str) -> str:
    """A cell without case, accents, punctuation or spacing: what "the same cell" means."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", bare))


def test_at_least_four_hundred_distinct_cells() -> None:
    texts = [_normalised(cell.text) for cell in CELLS]
    repeated = [text for text, count in Counter(texts).items() if count > 1]
    assert len(CELLS) >= 400
    assert repeated == []
    assert all(cell.text.strip() for cell in CELLS)


def test_every_label_kind_and_trap_is_known() -> None:
    for cell in CELLS:
        assert cell.health <= CATEGORIES, cell.line
        assert cell.kind in holdout.KINDS, cell.line
        assert (cell.trap is not None) == (cell.kind == "hard_negative"), cell.line
        assert cell.trap is None or cell.trap in holdout.TRAPS, cell.line


def test_kinds_agree_with_labels() -> None:
    for cell in CELLS:
        if cell.kind == "positive":
            assert cell.health, cell.line
        if cell.kind == "harmless":
            assert not cell.health, cell.line
    hard = [cell for cell in CELLS if cell.kind == "hard_negative"]
    assert sum(not cell.health for cell in hard) >= 0.75 * len(hard)


def test_kinds_balanced_as_stated() -> None:
    shares = Counter(cell.kind for cell in CELLS)
    assert 0.40 <= shares["positive"] / len(CELLS) <= 0.50
    assert 0.20 <= shares["hard_negative"] / len(CELLS) <= 0.30
    assert 0.25 <= shares["harmless"] / len(CELLS) <= 0.35
    traps = Counter(cell.trap for cell in CELLS if cell.trap)
    assert set(traps) == set(holdout.TRAPS)
    assert min(traps.values()) >= 20


def test_every_category_has_thirty_cells_and_treatment_many_more() -> None:
    support = Counter(category for cell in CELLS for category in cell.health)
    assert set(support) == CATEGORIES
    assert min(support.values()) >= 30
    others = max(count for category, count in support.items() if category != "TREATMENT")
    assert support["TREATMENT"] >= 2 * others


# A drug names its condition's category and TREATMENT; one with no category, TREATMENT alone.
DRUGS = {
    "biktarvy": {"HIV", "TREATMENT"},
    "triumeq": {"HIV", "TREATMENT"},
    "tamoxifène": {"CANCER", "TREATMENT"},
    "folfox": {"CANCER", "TREATMENT"},
    "nexplanon": {"SEXUAL_HEALTH", "TREATMENT"},
    "seroplex": {"MENTAL_HEALTH", "TREATMENT"},
    "téralithe": {"MENTAL_HEALTH", "TREATMENT"},
    "subutex": {"ADDICTION", "TREATMENT"},
    "méthadone": {"ADDICTION", "TREATMENT"},
    "previscan": {"TREATMENT"},
    "eliquis": {"TREATMENT"},
    "levothyrox": {"TREATMENT"},
}


@pytest.mark.parametrize("drug", sorted(DRUGS))
def test_a_patients_drug_counts_as_treatment_and_its_condition(drug: str) -> None:
    """Outside a relative's or a non-patient context, every cell naming the drug says both."""
    cells = [
        cell
        for cell in CELLS
        if drug in cell.text.casefold() and cell.trap not in {"family", "context"}
    ]
    assert cells
    for cell in cells:
        assert DRUGS[drug] <= cell.health, cell.line


# A few cells pinned to the conventions they illustrate.
PINNED = [
    ("sérologie VIH 1/2 : AES", {"HIV"}),  # a test named for a category counts
    ("βHCG < 5 avant", {"PREGNANCY", "SEXUAL_HEALTH", "TREATMENT"}),
    ("GEU traitée par méthotrexate", {"PREGNANCY", "TREATMENT"}),  # not a cancer drug here
    ("MTX 15 mg/sem pour PR", {"TREATMENT"}),
    ("pas d'anomalie génétique connue", set()),  # negated
    ("suspicion de K prostate, PSA", set()),  # a hypothesis; PSA is not named for cancer
    ("? GEU : dosage bHCG", {"PREGNANCY"}),  # a hypothesis with a named test
    ("sœur porteuse de la mutation BRCA1, patiente non testée", set()),  # a relative's
    ("Lynch familial : mutation MSH2 retrouvée chez la patiente", {"GENETIC"}),  # her own
    ("le mari est diabétique et sous insuline", set()),  # a relative's treatment
    ("bénévole chez AIDES, lui-même VIH+", {"HIV", "TREATMENT"}),
    ("25-OH vitamine D + PTH", set()),
    ("héparine de lithium : tube vert", set()),
    ("IMC 31, surpoids", set()),
    ("IMC (infirmité motrice cérébrale)", {"DISABILITY"}),
]


@pytest.mark.parametrize(("start", "health"), PINNED)
def test_conventions_on_pinned_cells(start: str, health: set[str]) -> None:
    matching = [cell for cell in CELLS if cell.text.startswith(start)]
    assert len(matching) == 1
    assert matching[0].health == health


def test_score_holdout_counts_every_cell_without_printing_one() -> None:
    cells = [
        holdout.Cell(1, "sous Biktarvy", frozenset({"HIV", "TREATMENT"}), "positive"),
        holdout.Cell(2, "tube hémolysé", frozenset(), "harmless"),
        holdout.Cell(3, "frère schizophrène", frozenset(), "hard_negative", "family"),
    ]
    figures = score_holdout(cells)
    assert figures["cells"] == 3
    assert figures["kinds"] == {"positive": 1, "hard_negative": 1, "harmless": 1}
    assert figures["hard_negatives"]["cells"] == figures["traps"]["family"]["cells"] == 1
    assert figures["harmless"]["cells"] == 1
    assert {error["line"] for error in figures["errors"]} <= {1, 2, 3}
    report = render_holdout(figures)
    assert all(cell.text not in report for cell in cells)
