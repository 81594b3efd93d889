"""docs/scan-report.md documents every field the scan report emits and its schema declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sceau.reports.json import report_schema

from .conftest import sample_report

DOC = Path(__file__).resolve().parents[2] / "docs" / "scan-report.md"
MAPS = {"health_categories", "embedded"}  # keys are categories, documented in categories.md


def _paths(value: Any, prefix: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found.add(path)
            if key not in MAPS:
                found |= _paths(inner, path)
    elif isinstance(value, list):
        for item in value:
            found |= _paths(item, f"{prefix}[]")
    return found


def _schema_paths(node: dict[str, Any], defs: dict[str, Any], prefix: str = "") -> set[str]:
    if "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[1]]
    found: set[str] = set()
    for key, inner in node.get("properties", {}).items():
        path = f"{prefix}.{key}" if prefix else key
        found.add(path)
        found |= _schema_paths(inner, defs, path)
    if "items" in node:
        found |= _schema_paths(node["items"], defs, f"{prefix}[]")
    return found


def _undocumented(paths: set[str]) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return sorted(path for path in paths if f"`{path}`" not in text)


def test_every_emitted_field_is_documented():
    paths = _paths(sample_report().to_dict())
    assert "sources[].columns[].evidence[].weight" in paths
    assert _undocumented(paths) == []


def test_every_field_of_the_schema_is_documented():
    schema = report_schema("scan")
    paths = _schema_paths(schema, schema["$defs"])
    assert paths >= _paths(sample_report().to_dict())
    assert _undocumented(paths) == []
