"""Editing a draft mandate without breaking it: one header field, or one column's rule, at a time.

The draft keeps its comments and every ``detected`` note: an edit replaces the one line that
holds the field, rendered by the draft's own quoting (:mod:`sceau.mandate.draft`), after checking
the value; a value that does not fit is refused with an error naming the field, and the text is
left as it was. What is still missing (a ``TODO``, an inverted validity) is for
:func:`sceau.mandate.parse.parse_mandate` to say, at review and at signing.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from enum import Enum
from typing import Any

from sceau.mandate.column_rules import column_rule
from sceau.mandate.draft import refuse_password, rule_line, toml_key, toml_string
from sceau.mandate.limits import (
    MAX_LOCATION,
    MAX_NAME,
    MAX_RETENTION_DAYS,
    MAX_TEXT,
    VALIDITY_YEARS,
    plain_text_problem,
    year_problem,
)
from sceau.mandate.model import OPTIONS, REQUIRED_OPTION, MandateError, Treatment
from sceau.mandate.parse import FINESS_NUMBER


class Kind(Enum):
    """What a header field holds, hence how it is checked and written; its value is the most
    it takes (characters, or days)."""

    TEXT = MAX_TEXT
    NAME = MAX_NAME
    LOCATION = MAX_LOCATION
    FINESS = 9
    DAY = 10
    FLAG = 5
    DAYS = MAX_RETENTION_DAYS


HEADER: dict[str, Kind] = {
    "purpose": Kind.TEXT,
    "legal_reference": Kind.TEXT,
    "controller.name": Kind.TEXT,
    "processor.name": Kind.TEXT,
    "processor.finess": Kind.FINESS,
    "validity.from": Kind.DAY,
    "validity.until": Kind.DAY,
    "destination.location": Kind.LOCATION,
    "destination.table": Kind.NAME,
    "destination.create": Kind.FLAG,
    "staging.retention_days": Kind.DAYS,
}
CONTROLLER_FIELDS = frozenset({"purpose", "legal_reference", "controller.name"})  # its own words
_OPTIONAL = frozenset({"processor.finess"})  # emptied: the line goes
TREATMENTS = tuple(
    spec
    for treatment in Treatment
    for spec in (
        *([] if treatment in REQUIRED_OPTION else [treatment.value]),
        *(f"{treatment.value}:{option}" for option in sorted(OPTIONS.get(treatment, ()))),
    )
)
_SECTION = re.compile(r"^\[\[?([A-Za-z_]+)\]")  # [table] and [[rows]]


def set_header(text: str, field: str, value: str) -> str:
    """``text`` with the header ``field`` set to ``value`` (as a form gives it: a day is
    2026-12-31, a flag true or false); MandateError naming the field if it does not fit."""
    kind = HEADER.get(field)
    if kind is None:
        raise MandateError("a draft's header has no such field", where=field)
    section, _, key = field.rpartition(".")
    value = value.strip()
    if not value and field in _OPTIONAL:
        return _checked(_without(text, section, key), field)
    return _checked(_replaced(text, section, key, _rendered(kind, value, field)), field)


def set_treatment(text: str, column: str, treatment: str, target: str = "") -> str:
    """``text`` with ``column`` given ``treatment`` (and loaded as ``target`` when given); its
    ``detected`` note and any override stay as they were."""
    return _set_rule(text, column, {"treatment": treatment.strip(), "to": target.strip() or None})


def overrule(text: str, column: str, category: str, reason: str) -> str:
    """``text`` with the controller's reading of ``column`` (``category``, for ``reason``) over
    the scan's; an empty category takes the override back."""
    category = category.strip()
    changes = {
        "category": category or None,
        "reason": (reason.strip() or None) if category else None,
    }
    return _set_rule(text, column, changes)


def header_values(text: str) -> dict[str, str]:
    """Each header field as a form shows it (empty when the draft has none)."""
    data = read_toml(text)
    values = {}
    for field in HEADER:
        node: Any = data
        for part in field.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        values[field] = _shown(node)
    return values


def column_rules(text: str) -> dict[str, dict[str, Any]]:
    """Each column's rule as the draft holds it, in the draft's order."""
    columns = read_toml(text).get("columns", {})
    return {name: spec for name, spec in columns.items() if isinstance(spec, dict)}


def read_toml(text: str, where: str = "draft") -> dict[str, Any]:
    """The draft's TOML, read (a draft is valid TOML at every step, even with its TODOs)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MandateError(f"the draft is not valid TOML ({error})", where=where) from None


def _set_rule(text: str, column: str, changes: dict[str, str | None]) -> str:
    where = f"columns.{column}"
    current = column_rules(text).get(column)
    if current is None:
        raise MandateError("the draft has no rule for this column", where=where)
    spec = {k: v for k, v in {**current, **changes}.items() if v is not None}
    column_rule(column, spec, where)  # refuses what a mandate could not hold, naming the field
    prefix = f"{toml_key(column)} = "
    lines = text.split("\n")
    for index, (section, line) in enumerate(_sections(lines)):
        if section == "columns" and line.startswith(prefix):
            lines[index] = rule_line(column, spec)
            return _checked("\n".join(lines), where)
    raise MandateError("the draft's rule for this column is not on one line", where=where)


def _rendered(kind: Kind, value: str, field: str) -> str:
    """``value`` checked for ``kind`` and written as TOML."""
    if kind is Kind.DAY:
        return _day(value, field)
    if kind is Kind.FLAG:
        if value not in {"true", "false"}:
            raise MandateError("must be true or false", where=field)
        return value
    if kind is Kind.DAYS:
        if not value.isascii() or not value.isdigit() or not 0 < int(value) <= kind.value:
            raise MandateError(f"must be a whole number from 1 to {kind.value:,}", where=field)
        return str(int(value))
    if kind is Kind.FINESS and not FINESS_NUMBER.match(value):
        raise MandateError(
            "must be a 9-character FINESS number: the department (two digits, or 2A or 2B for "
            "Corsica), then seven digits",
            where=field,
        )
    return _text(kind, value, field)


def _day(value: str, field: str) -> str:
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise MandateError("must be a date written 2026-12-31", where=field)
    problem = year_problem(day, VALIDITY_YEARS)
    if problem:
        raise MandateError(f"the date {problem}", where=field)
    return f"{day.isoformat()}T00:00:00Z"


def _text(kind: Kind, value: str, field: str) -> str:
    if not value:
        raise MandateError("this field is required and must be text", where=field)
    problem = plain_text_problem(value)
    if problem or len(value) > kind.value:
        raise MandateError(
            f"must be plain text on one line, {kind.value:,} characters at most"
            + (f": {problem}" if problem else ""),
            where=field,
        )
    if kind is Kind.LOCATION:
        refuse_password(value, where=field)
    return toml_string(value)


def _sections(lines: list[str]) -> list[tuple[str, str]]:
    """Each line with the table it lies in ("" before the first)."""
    current, found = "", []
    for line in lines:
        header = _SECTION.match(line)
        if header:
            current = header[1]
        found.append((current, line))
    return found


def _replaced(text: str, section: str, key: str, rendered: str) -> str:
    """``text`` with ``key`` of ``section`` holding ``rendered``, its line's comment kept; the
    line is added under the section's heading if the draft has none."""
    lines = text.split("\n")
    heading = None
    for index, (current, line) in enumerate(_sections(lines)):
        if current != section:
            continue
        if heading is None and section:
            heading = index
        if line.startswith(f"{key} = "):
            lines[index] = f"{key} = {rendered}{_comment(line[len(key) + 3 :])}"
            return "\n".join(lines)
    if heading is None:
        raise MandateError(f"the draft has no [{section}] table", where=f"{section}.{key}")
    lines.insert(heading + 1, f"{key} = {rendered}")
    return "\n".join(lines)


def _without(text: str, section: str, key: str) -> str:
    lines = text.split("\n")
    kept = [
        line
        for current, line in _sections(lines)
        if not (current == section and line.startswith(f"{key} = "))
    ]
    return "\n".join(kept)


def _comment(value: str) -> str:
    """What follows a written value on its line when it is a comment (kept), else nothing."""
    end = 0
    if value.startswith('"'):
        index = 1
        while index < len(value) and value[index] != '"':
            index += 2 if value[index] == "\\" else 1
        end = index + 1
    else:
        end = len(value.split(" ", 1)[0])
    rest = value[end:]
    return rest if rest.strip().startswith("#") else ""


def _checked(text: str, field: str) -> str:
    read_toml(text, where=field)  # never store a draft that is not TOML any more
    return text


def _shown(value: object) -> str:
    if value is None or isinstance(value, dict):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):  # a datetime too: the form edits days
        return value.isoformat()[:10]
    return str(value)
