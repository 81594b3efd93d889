"""The result of a scan, as every report format renders it. Counts and names only, no values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from sceau._version import __version__
from sceau.detect.base import Category, ColumnFinding, Sensitivity
from sceau.sources.base import Skipped

if TYPE_CHECKING:
    from sceau.detect.population import Basis, Population
    from sceau.reports.sarif import SarifResult


@dataclass
class TableScan:
    """One table's findings: a file, a database table."""

    source: str  # the file path or the database URL without password, plus "#table"
    kind: str  # the reader's kind: "csv", "postgresql", ...
    rows: int
    columns: list[ColumnFinding]
    complete: bool = True  # False when --max-rows stopped the count early
    seconds: float = 0.0
    patients: int | None = None  # distinct patients; None: the table says nothing of who
    patients_basis: Basis | None = None  # what told them apart: NIR, or name and birth date
    labs: int | None = None  # distinct FINESS numbers; None: no FINESS column
    population: Population | None = field(default=None, repr=False)  # in memory only

    @property
    def sensitivities(self) -> set[Sensitivity]:
        found = {column.sensitivity for column in self.columns}
        for column in self.columns:
            found |= {category.sensitivity for category, n in column.embedded.items() if n}
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "rows": self.rows,
            "complete": self.complete,
            "seconds": round(self.seconds, 3),
            "patients": _patients(self.patients, self.patients_basis),
            "labs": self.labs,
            "columns": [_column_dict(column) for column in self.columns],
        }


@dataclass
class ScanReport:
    """Everything one ``sceau scan`` found, over every table of every source it was given."""

    tables: list[TableScan]
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    kind: str = "scan"
    skipped: list[Skipped] = field(default_factory=list)  # what was not read, and why

    @property
    def sensitivities(self) -> set[Sensitivity]:
        return set().union(*(table.sensitivities for table in self.tables))

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": self.kind,
            "schema_version": 1,
            "sceau_version": __version__,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "summary": self.summary(),
            "sources": [table.to_dict() for table in self.tables],
            "skipped": [
                {"location": entry.location, "reason": entry.reason} for entry in self.skipped
            ],
        }

    def sarif_results(self) -> list[SarifResult]:
        """One SARIF result per sensitive column, health category and embedded identifier."""
        from sceau.detect.sarif import scan_results

        return scan_results(self.to_dict())

    def summary(self) -> dict[str, Any]:
        columns = [c for t in self.tables for c in t.columns]
        return {
            "tables": len(self.tables),
            "skipped": len(self.skipped),
            "rows": sum(t.rows for t in self.tables),
            "columns": len(columns),
            "special_category_data": Sensitivity.SPECIAL in self.sensitivities,
            "identifiers": Sensitivity.IDENTIFIER in self.sensitivities,
            "credentials_in_clear": any(c.category is Category.PASSWORD for c in columns),
            "by_sensitivity": {
                s.value: sum(1 for c in columns if c.sensitivity is s) for s in Sensitivity
            },
            "patients": _patients(*self._patients()),
            "labs": self._labs(),
        }

    def _patients(self) -> tuple[int | None, Basis | None]:
        """Distinct patients over every table, when every table that names people does so on
        the same basis (a patient in two files counts once); None when no table tells."""
        counted = [t for t in self.tables if t.patients is not None]
        bases = {t.patients_basis for t in counted}
        if not counted or len(bases) != 1:
            return None, None
        if any(t.population is None for t in counted):
            return max(t.patients or 0 for t in counted), bases.pop()
        hashes = [t.population.hashes for t in counted if t.population is not None]
        return pl.concat(hashes).n_unique(), bases.pop()

    def _labs(self) -> int | None:
        counted = [t for t in self.tables if t.labs is not None]
        if not counted:
            return None
        if any(t.population is None for t in counted):
            return max(t.labs or 0 for t in counted)
        return len(set().union(*(t.population.labs for t in counted if t.population)))


def _patients(count: int | None, basis: Basis | None) -> dict[str, Any] | None:
    if count is None or basis is None:
        return None
    return {"distinct": count, "told_apart_by": basis.value}


def _column_dict(column: ColumnFinding) -> dict[str, Any]:
    return {
        "name": column.name,
        "category": column.category.value,
        "confidence": round(column.confidence, 3),
        "sensitivity": column.sensitivity.value,
        "subject": column.subject.value,
        "non_null": column.non_null,
        "matches": column.matches,
        "health_categories": {k.value: v for k, v in column.health_categories.items() if v},
        "embedded": {k.value: v for k, v in column.embedded.items() if v},
        **_set_aside(column),
        "example": column.example,
        "name_held": [category.value for category in column.name_held],
        "evidence": [
            {"source": e.source, "detail": e.detail, "weight": round(e.weight, 3)}
            for e in column.evidence
        ],
    }


def _set_aside(column: ColumnFinding) -> dict[str, Any]:
    """Health mentions the context set aside, by reason; no key at all when there were none."""
    found = {reason: n for reason, n in column.health_set_aside.items() if n}
    return {"health_set_aside": found} if found else {}
