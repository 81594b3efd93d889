"""sceau — keeps medical-lab patient data from leaking, and answers the day it does.

The public API is what this module exports; everything else may change between versions.

    >>> import sceau
    >>> report = sceau.scan(["export.csv"])          # doctest: +SKIP
    >>> report.summary()["special_category_data"]    # doctest: +SKIP
    True
"""

from __future__ import annotations

__version__ = "0.1.0"

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
]
