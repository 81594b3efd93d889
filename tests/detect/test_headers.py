"""Header evidence, read from the vectors in tests/vectors/headers/."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sceau.detect.headers import read_header, tokens

VECTORS = json.loads((Path(__file__).parents[1] / "vectors/headers/headers.json").read_text())


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda case: case["header"])
def test_header_points_to_its_category_and_subject(case):
    hint = read_header(case["header"])
    assert (hint.category.value if hint.category else None) == case["category"]
    assert (hint.subject.value if hint.subject else None) == case["subject"]
    if hint.category is not None:
        assert hint.reason
        assert 0 < hint.weight <= 1


def test_tokens_split_case_digits_accents_and_punctuation():
    assert tokens("DT_DERN_VisiteDate1") == ["dt", "dern", "visite", "date", "1"]
    assert tokens("Téléphone (portable)") == ["telephone", "portable"]


@given(st.text(max_size=60))
def test_any_header_reads_without_error(header):
    hint = read_header(header)
    assert hint.category is None or 0 < hint.weight <= 1
