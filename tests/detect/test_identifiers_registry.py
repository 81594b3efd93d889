"""The built-in detectors register, are documented, and their lexicons load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sceau.detect.base import Category, DetectError, Detector, registered
from sceau.detect.lexicons import _lines, load_communes, load_words

DOCS = Path(__file__).parent.parent.parent / "docs" / "detectors.md"
DETECTORS = list(registered())


def test_every_detector_is_documented():
    headings = set(re.findall(r"^## `([a-z_]+)`", DOCS.read_text(encoding="utf-8"), re.M))
    assert headings == {detector.name for detector in DETECTORS}


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda detector: detector.name)
def test_detectors_declare_what_the_registry_needs(detector: Detector):
    assert isinstance(detector.category, Category)
    assert detector.pattern
    assert detector.__doc__


def test_the_identifier_categories_are_covered():
    covered = {detector.category for detector in DETECTORS}
    wanted = set(Category) - {
        Category.INS,  # the same number as the NIR: the classifier tells them apart by header
        Category.BIRTH_DATE,  # a DATE column whose years say so: the classifier decides
        Category.HEALTH_TEXT,
        Category.FREE_TEXT,
        Category.RECORD_ID,
        Category.OTHER,
    }
    assert wanted <= covered


def test_lexicons_have_their_size():
    assert len(load_words("first_names")) >= 600
    assert len(load_words("surnames")) >= 1000
    communes = load_communes()
    assert len(communes) >= 1500
    assert all(re.fullmatch(r"[0-9]{5}", commune.postcode) for commune in communes)
    assert all(re.fullmatch(r"[0-9]{2}|2[AB]|9[78][0-9]", c.department) for c in communes)


def test_a_missing_lexicon_is_a_clear_error():
    with pytest.raises(DetectError, match="lexicon") as error:
        _lines("no_such_lexicon.txt")
    assert error.value.hint
