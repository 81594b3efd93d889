"""sceau — keeps medical-lab patient data from leaking, and answers the day it does.

The public API is what this module exports; everything else may change between versions.

    >>> import sceau
    >>> report = sceau.scan(["export.csv"])          # doctest: +SKIP
    >>> report.summary()["special_category_data"]    # doctest: +SKIP
    True
"""

from __future__ import annotations

from sceau._version import __version__
from sceau.detect.base import (
    Category,
    ColumnFinding,
    Detector,
    HealthCategory,
    Sensitivity,
    Subject,
)
from sceau.detect.report import ScanReport, TableScan
from sceau.detect.scan import ScanOptions, scan
from sceau.errors import SceauError
from sceau.reports.base import ReportFormat, render, write_report
from sceau.sources.base import Source, SourceError, Table, open_source

# Migration's names load on first use: `import sceau` (and `sceau --help`) stays quick.
_LAZY = {
    "Settings": "sceau.config",
    "load_settings": "sceau.config",
    "Mandate": "sceau.mandate.model",
    "MandateError": "sceau.mandate.model",
    "parse_mandate": "sceau.mandate.parse",
    "VerifiedMandate": "sceau.mandate.verify",
    "load_verified": "sceau.mandate.verify",
    "KeyProvider": "sceau.keys.base",
    "open_provider": "sceau.keys.base",
    "Target": "sceau.targets.base",
    "TargetTable": "sceau.targets.base",
    "open_target": "sceau.targets.base",
    "MigrationSession": "sceau.migrate.session",
    "RunOutcome": "sceau.migrate.pipeline",
    "MigrationReport": "sceau.migrate.report",
    "verify_certificate": "sceau.migrate.certificate",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sceau' has no attribute {name!r}")


__all__ = [
    "Category",
    "ColumnFinding",
    "Detector",
    "HealthCategory",
    "ReportFormat",
    "ScanOptions",
    "ScanReport",
    "SceauError",
    "Sensitivity",
    "Source",
    "SourceError",
    "Subject",
    "Table",
    "TableScan",
    "__version__",
    "open_source",
    "render",
    "scan",
    "write_report",
    *_LAZY,
]
