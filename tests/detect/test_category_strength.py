"""A category carries how far its detectors' value matches are trusted: sceau's own keep the
weights the classifier was tuned with, a plug-in's declares its own or gets a shape's."""

from __future__ import annotations

import pytest

from sceau.detect.base import Category, DetectError, Sensitivity


def test_sceau_s_own_categories_keep_their_weights() -> None:
    assert Category.NIR.strength == Category.IBAN.strength == 1.0
    assert Category.PHONE.strength == 0.95
    assert Category.INSURER_ID.strength == 0.4
    assert Category.RECORD_ID.strength == 0.5  # not weighed by value: the default
    assert all(0.0 <= category.strength <= 1.0 for category in Category)


def test_a_plug_in_category_declares_its_strength_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Category, "_declared", dict(Category._declared))  # left as it was found
    declared = Category.declare(
        "TEST_STRENGTH_CODE", Sensitivity.PERSONAL, "a test category", strength=0.9
    )
    assert Category("TEST_STRENGTH_CODE") is declared
    assert declared.strength == 0.9
    with pytest.raises(DetectError, match="declared twice"):
        Category.declare("TEST_STRENGTH_CODE", Sensitivity.PERSONAL, "a test category")
    with pytest.raises(DetectError, match="strength outside 0 to 1"):
        Category.declare("TEST_STRENGTH_BAD", Sensitivity.PERSONAL, "a test category", strength=2)
