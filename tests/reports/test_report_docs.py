"""docs/scan-report.md documents every field the scan report emits and its schema declares."""

from __future__ import annotations

from pathlib import Path

from tests.schemas import closed_schema

from .conftest import sample_report
from .fields import emitted_paths, schema_paths

DOC = Path(__file__).resolve().parents[2] / "docs" / "scan-report.md"
MAPS = {"health_categories", "embedded"}  # keys are categories, documented in categories.md


def _undocumented(paths: set[str]) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return sorted(path for path in paths if f"`{path}`" not in text)


def test_every_emitted_field_is_documented():
    paths = emitted_paths(sample_report().to_dict(), MAPS)
    assert "sources[].columns[].evidence[].weight" in paths
    assert _undocumented(paths) == []


def test_every_field_of_the_schema_is_documented():
    schema = closed_schema("scan")
    paths = schema_paths(schema, schema["$defs"])
    assert paths >= emitted_paths(sample_report().to_dict(), MAPS)
    assert _undocumented(paths) == []
