"""Every command's result in the same three formats: JSON, HTML, SARIF (see :mod:`.base`)."""

from __future__ import annotations

from sceau.reports.base import ReportFormat, render, write_atomic, write_report
from sceau.reports.report import Report, ReportError, SarifReport

__all__ = [
    "Report",
    "ReportError",
    "ReportFormat",
    "SarifReport",
    "render",
    "write_atomic",
    "write_report",
]
