"""What a draft changes against a signed mandate: per column (treatment, category and the
controller's override, target), the header fields, and the plain text diff.

Both texts are read as TOML only, not as mandates: a draft may still hold its ``TODO``\\s.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from sceau.mandate.draft_edit import HEADER, column_rules, header_values, read_toml

_COMPARED = ("mandate_id", "source.location", "source.table", *HEADER)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class ColumnChange:
    """One column's rule before and after (None: the column is not in that text)."""

    column: str
    before: dict[str, str] | None
    after: dict[str, str] | None


@dataclass(frozen=True)
class MandateDiff:
    header: list[FieldChange]
    columns: list[ColumnChange]
    text: str  # unified diff, signed text first

    @property
    def same(self) -> bool:
        return not self.header and not self.columns and not self.text


def diff_mandates(signed: str, draft: str) -> MandateDiff:
    """What ``draft`` changes against ``signed``."""
    before_fields, after_fields = _fields(signed), _fields(draft)
    header = [
        FieldChange(name, before_fields[name], after_fields[name])
        for name in _COMPARED
        if before_fields[name] != after_fields[name]
    ]
    before_rules, after_rules = _rules(signed), _rules(draft)
    names = [*before_rules, *(n for n in after_rules if n not in before_rules)]
    columns = [
        ColumnChange(name, before_rules.get(name), after_rules.get(name))
        for name in names
        if before_rules.get(name) != after_rules.get(name)
    ]
    text = "".join(
        difflib.unified_diff(
            signed.splitlines(keepends=True),
            draft.splitlines(keepends=True),
            fromfile="signed",
            tofile="draft",
        )
    )
    return MandateDiff(header, columns, text)


def _fields(text: str) -> dict[str, str]:
    data = read_toml(text)
    found = data.get("source")
    source: dict[str, Any] = found if isinstance(found, dict) else {}
    return {
        **header_values(text),
        "mandate_id": str(data.get("mandate_id", "")),
        "source.location": str(source.get("location", "")),
        "source.table": str(source.get("table", "")),
    }


def _rules(text: str) -> dict[str, dict[str, str]]:
    return {name: _rule(name, spec) for name, spec in column_rules(text).items()}


def _rule(name: str, spec: dict[str, Any]) -> dict[str, str]:
    treatment = str(spec.get("treatment", ""))
    return {
        "treatment": treatment,
        "detected": str(spec.get("detected", "")),
        "category": str(spec.get("category", "")),
        "reason": str(spec.get("reason", "")),
        "target": "" if treatment == "drop" else str(spec.get("to", name)),
    }
