"""The goals of the Trustworthy findings issue, on exports sceau did not generate.

Column accuracy at least 0.99, and health F1 at least 0.95 in every category, on the foreign
evaluation set (tests/foreign: another generator, other headers, other phrasings), for two
seeds. Its held-out comments (holdout.jsonl) are not asserted here: they are scored and reported
in docs/benchmarks.md, never tuned against.
"""

from __future__ import annotations

import pytest

from sceau.detect.base import HealthCategory

from .score import run

COLUMN_ACCURACY = 0.99
HEALTH_F1 = 0.95


@pytest.fixture(scope="module", params=[2021, 7])
def figures(request) -> dict:
    return run(patients=500, seed=request.param)


@pytest.mark.slow
def test_columns_are_right_on_exports_sceau_never_saw(figures):
    columns = figures["columns"]
    assert columns["unread_tables"] == []
    wrong = [(w["table"], w["column"], w["truth"], w["predicted"]) for w in columns["wrong"]]
    assert columns["accuracy"] >= COLUMN_ACCURACY, wrong


@pytest.mark.slow
def test_health_categories_are_right_on_comments_sceau_never_saw(figures):
    per_category = figures["health"]["per_category"]
    assert set(per_category) == {c.value for c in HealthCategory}
    below = {c: round(f["f1"], 3) for c, f in per_category.items() if f["f1"] < HEALTH_F1}
    assert not below
    assert figures["health"]["hard_negatives"]["precision"] >= HEALTH_F1
