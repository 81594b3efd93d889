"""docs/categories.md documents every category and every health category (docs cannot drift)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sceau.detect.base import Category, HealthCategory
from sceau.detect.health.codes import ATC, CIM10

DOC = Path(__file__).parents[2] / "docs" / "categories.md"


def _rows() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `([A-Z_]+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def test_every_category_is_documented_with_its_sensitivity():
    rows = _rows()
    for category in Category:
        assert category.value in rows, f"{category} is missing from docs/categories.md"
        sensitivity, covers = rows[category.value][:2]
        assert sensitivity == category.sensitivity.value, category
        assert covers


def test_every_health_category_is_documented_with_examples():
    rows = _rows()
    for category in HealthCategory:
        assert category.value in rows, f"{category} is missing from docs/categories.md"
        covers, examples = rows[category.value][:2]
        assert covers
        assert examples


def test_nothing_undocumented_is_listed():
    known = {c.value for c in Category} | {c.value for c in HealthCategory}
    assert set(_rows()) <= known


def _code_rows(heading: str) -> list[tuple[str, str, set[str]]]:
    """(first, last, categories) of the table under a `### heading` of docs/categories.md."""
    text = DOC.read_text(encoding="utf-8").split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    rows = []
    for line in text.splitlines():
        match = re.match(r"^\| `([A-Z0-9+]+)`(?:–`([A-Z0-9+]+)`)? \| ([^|]+) \|", line)
        if match:
            first, last, categories = match.groups()
            named = {c.strip() for c in categories.split(",")} - {"not counted"}
            rows.append((first, last or first, named))
    return rows


@pytest.mark.parametrize(
    ("heading", "table"), [("ATC classes", ATC), ("CIM-10 chapters and blocks", CIM10)]
)
def test_the_code_tables_are_documented_row_for_row(heading, table):
    documented = _code_rows(heading)
    assert documented == [(r.first, r.last, {c.value for c in r.categories}) for r in table]
