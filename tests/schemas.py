"""The report schemas as sceau checks its own reports: closed.

The shipped schemas leave objects open, as their docs promise (new fields may be added without a
new ``schema_version``, so a reader's validation must not break on them). sceau's own tests
close every object to the fields it names: what sceau writes is documented, field by field.
"""

from __future__ import annotations

import copy
from typing import Any

from sceau.reports.json import report_schema


def closed_schema(kind: str) -> dict[str, Any]:
    """The shipped schema of ``kind`` reports with every object closed to its named fields."""
    schema = copy.deepcopy(report_schema(kind))
    _close(schema)
    return schema


def _close(node: object) -> None:
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)
