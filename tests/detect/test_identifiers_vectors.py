"""Known valid and invalid values for every detector, kept as JSON under tests/vectors/."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from sceau.detect.base import Detector, registered

VECTORS = Path(__file__).parent.parent / "vectors" / "identifiers"
DETECTORS = {detector.name: detector for detector in registered()}


def matches(detector: Detector, values: list[str]) -> list[bool]:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(detector.matches(pl.col("v"))).to_series().to_list()


def _cases() -> list[tuple[str, str, bool]]:
    cases = []
    for path in sorted(VECTORS.glob("*.json")):
        vector = json.loads(path.read_text(encoding="utf-8"))
        cases += [(vector["detector"], value, True) for value in vector["valid"]]
        cases += [(vector["detector"], value, False) for value in vector["invalid"]]
    return cases


def test_every_detector_has_vectors():
    assert {path.stem for path in VECTORS.glob("*.json")} == set(DETECTORS)


@pytest.mark.parametrize("name", sorted(DETECTORS))
def test_vectors(name):
    cases = [(value, expected) for detector, value, expected in _cases() if detector == name]
    values = [value for value, _ in cases]
    got = matches(DETECTORS[name], values)
    wrong = [
        (value, expected)
        for (value, expected), result in zip(cases, got, strict=True)
        if result != expected
    ]
    assert not wrong, f"{name}: expected the opposite for {wrong}"


def test_null_cells_never_match():
    for detector in DETECTORS.values():
        assert matches(detector, [None]) == [False]
