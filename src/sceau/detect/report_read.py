"""A scan report read back from its JSON: ``sceau scan --json``'s file, or a client's upload to
the service. A report from elsewhere is held to what sceau itself writes: every field checked
for its type and bounds, every category a declared one, and an example that is not a value's
shape (digits as 9, letters as x) refused, so that no value from the data rides in on it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sceau.detect.base import Category, ColumnFinding, Evidence, HealthCategory, Subject
from sceau.detect.names import FREE_TEXT_EXAMPLE
from sceau.detect.population import Basis
from sceau.detect.report import ScanReport, TableScan
from sceau.errors import SceauError
from sceau.sources.base import Skipped

MAX_TABLES = 10_000
MAX_COLUMNS = 4_096  # per table
MAX_EVIDENCE = 64  # per column
MAX_TEXT = 2_000  # a source's location, a reason, a detail
MAX_NAME = 512  # a column's name
MAX_COUNT = 10**15

_Choice = TypeVar("_Choice", bound=StrEnum)


class ScanReportError(SceauError):
    """A scan report that sceau cannot take for one of its own."""


def read_scan_report(data: object, *, where: str) -> ScanReport:
    """The :class:`ScanReport` ``data`` (a parsed JSON document) describes; ReportError naming
    the field otherwise. Its tables carry no population (the hashes stay where the scan ran)."""
    report = _mapping(data, where)
    if report.get("report") != "scan" or report.get("schema_version") != 1:
        raise ScanReportError(
            "this is not a scan report sceau can read (report 'scan', schema_version 1)",
            hint="send the JSON report `sceau scan --json FILE` writes",
            where=where,
        )
    started = _text(report, "started_at", where, MAX_NAME)
    try:
        started_at = datetime.fromisoformat(started)
    except ValueError:
        raise ScanReportError(
            "the scan's start is not an ISO 8601 time", where=f"{where}: started_at"
        ) from None
    if started_at.tzinfo is None:
        raise ScanReportError("the scan's start names no time zone", where=f"{where}: started_at")
    tables = _list(report, "sources", where, MAX_TABLES)
    skipped = _list(report, "skipped", where, MAX_TABLES)
    return ScanReport(
        tables=[_table(t, f"{where}: sources[{i}]") for i, t in enumerate(tables)],
        started_at=started_at,
        skipped=[_skipped(s, f"{where}: skipped[{i}]") for i, s in enumerate(skipped)],
    )


def _table(data: object, where: str) -> TableScan:
    table = _mapping(data, where)
    patients = table.get("patients")
    count: int | None = None
    basis: Basis | None = None
    if patients is not None:
        held = _mapping(patients, f"{where}: patients")
        count = _count(held, "distinct", f"{where}: patients")
        basis = _choice(held, "told_apart_by", Basis, f"{where}: patients")
    columns = _list(table, "columns", where, MAX_COLUMNS)
    labs = table.get("labs")
    return TableScan(
        source=_text(table, "source", where, MAX_TEXT),
        kind=_text(table, "kind", where, MAX_NAME),
        rows=_count(table, "rows", where),
        columns=[_column(c, f"{where}: columns[{i}]") for i, c in enumerate(columns)],
        complete=_flag(table, "complete", where),
        seconds=_number(table, "seconds", where),
        patients=count,
        patients_basis=basis,
        labs=None if labs is None else _count(table, "labs", where),
    )


def _column(data: object, where: str) -> ColumnFinding:
    column = _mapping(data, where)
    evidence = _list(column, "evidence", where, MAX_EVIDENCE)
    example = _text(column, "example", where, MAX_NAME)
    if example != FREE_TEXT_EXAMPLE and any(ch.isalnum() and ch not in "9xX" for ch in example):
        raise ScanReportError(
            "a column's example is not a shape (digits as 9, letters as x): it may be a value",
            hint="send the report as `sceau scan` wrote it",
            where=f"{where}: example",
        )
    confidence = _number(column, "confidence", where)
    if not 0.0 <= confidence <= 1.0:
        raise ScanReportError("a confidence is between 0 and 1", where=f"{where}: confidence")
    return ColumnFinding(
        name=_text(column, "name", where, MAX_NAME),
        category=_category(column.get("category"), f"{where}: category"),
        confidence=confidence,
        subject=_choice(column, "subject", Subject, where),
        non_null=_count(column, "non_null", where),
        matches=_count(column, "matches", where),
        health_categories={
            _choice({"k": k}, "k", HealthCategory, f"{where}: health_categories"): n
            for k, n in _counts(column, "health_categories", where).items()
        },
        health_set_aside=_counts(column, "health_set_aside", where, required=False),
        embedded={
            _category(k, f"{where}: embedded"): n
            for k, n in _counts(column, "embedded", where).items()
        },
        evidence=[_evidence(e, f"{where}: evidence[{i}]") for i, e in enumerate(evidence)],
        example=example,
        name_held=tuple(
            _category(c, f"{where}: name_held") for c in _list(column, "name_held", where, 64)
        ),
    )


def _evidence(data: object, where: str) -> Evidence:
    evidence = _mapping(data, where)
    return Evidence(
        source=_text(evidence, "source", where, MAX_NAME),
        detail=_text(evidence, "detail", where, MAX_TEXT),
        weight=_number(evidence, "weight", where),
    )


def _skipped(data: object, where: str) -> Skipped:
    skipped = _mapping(data, where)
    return Skipped(
        location=_text(skipped, "location", where, MAX_TEXT),
        reason=_text(skipped, "reason", where, MAX_TEXT),
    )


# --- one field each -------------------------------------------------------------------------


def _mapping(data: object, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ScanReportError("expected an object here", where=where)
    return data


def _list(data: dict[str, Any], key: str, where: str, most: int) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ScanReportError(f"`{key}` is missing or not a list", where=where)
    if len(value) > most:
        raise ScanReportError(f"`{key}` holds more than {most:,} items", where=where)
    return value


def _text(data: dict[str, Any], key: str, where: str, most: int) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ScanReportError(f"`{key}` is missing or not text", where=where)
    if len(value) > most:
        raise ScanReportError(f"`{key}` is longer than {most:,} characters", where=where)
    return value


def _count(data: dict[str, Any], key: str, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise ScanReportError(f"`{key}` is missing or not a count", where=where)
    return value


def _number(data: dict[str, Any], key: str, where: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ScanReportError(f"`{key}` is missing or not a number", where=where)
    if not -1e12 <= value <= 1e12:
        raise ScanReportError(f"`{key}` is out of range", where=where)
    return float(value)


def _flag(data: dict[str, Any], key: str, where: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise ScanReportError(f"`{key}` is missing or not true/false", where=where)
    return value


def _counts(data: dict[str, Any], key: str, where: str, *, required: bool = True) -> dict[str, int]:
    if key not in data and not required:
        return {}
    held = _mapping(data.get(key), f"{where}: {key}")
    if len(held) > 256:
        raise ScanReportError(f"`{key}` holds too many entries", where=where)
    return {
        _text({"k": k}, "k", f"{where}: {key}", MAX_NAME): _count(held, k, f"{where}: {key}")
        for k in held
    }


def _choice(data: dict[str, Any], key: str, kind: type[_Choice], where: str) -> _Choice:
    value = data.get(key)
    if not isinstance(value, str):
        raise ScanReportError(f"`{key}` is missing or not text", where=where)
    try:
        return kind(value)
    except (ValueError, TypeError):
        raise ScanReportError(
            f"`{key}` is not one of the values sceau writes", where=where
        ) from None


def _category(value: object, where: str) -> Category:
    if not isinstance(value, str) or len(value) > MAX_NAME:
        raise ScanReportError("a category is missing or not text", where=where)
    try:
        return Category(value)
    except ValueError:
        raise ScanReportError(
            "a category this installation does not know",
            hint="a plug-in detector's category needs the plug-in installed at the service",
            where=where,
        ) from None
