"""Every field path a report emits or its JSON Schema declares, for the documentation tests."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def emitted_paths(value: Any, maps: Collection[str] = (), prefix: str = "") -> set[str]:
    """Dotted paths of a report's dict (``a.b``, ``list[].c``); below ``maps`` keys are data."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found.add(path)
            if key not in maps:
                found |= emitted_paths(inner, maps, path)
    elif isinstance(value, list):
        for item in value:
            found |= emitted_paths(item, maps, f"{prefix}[]")
    return found


def schema_paths(node: dict[str, Any], defs: dict[str, Any], prefix: str = "") -> set[str]:
    """The same paths, as a JSON Schema declares them."""
    if "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[1]]
    found: set[str] = set()
    for key, inner in node.get("properties", {}).items():
        path = f"{prefix}.{key}" if prefix else key
        found.add(path)
        found |= schema_paths(inner, defs, path)
    if "items" in node:
        found |= schema_paths(node["items"], defs, f"{prefix}[]")
    return found
