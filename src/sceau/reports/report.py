"""What a report is: every command's result (scan, migrate, certificate...) is a :class:`Report`,
an object with a ``kind`` and a ``to_dict()``. That is enough for JSON and, given a template
named after the kind, for HTML. SARIF also needs :meth:`SarifReport.sarif_results`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sceau.errors import SceauError

if TYPE_CHECKING:
    from sceau.reports.sarif import SarifResult


class ReportError(SceauError):
    """A report could not be rendered or written. ``where`` names the output file."""


@runtime_checkable
class Report(Protocol):
    """Anything a command hands to the formats: a stable ``kind`` and a JSON-ready dict."""

    @property
    def kind(self) -> str:
        """What the report is (``scan``, ``certificate``…): read only, fixed per report type."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """Names, counts and shapes only: never a value read from the data."""
        ...


@runtime_checkable
class SarifReport(Report, Protocol):
    """A report that also knows its findings as SARIF results (see :mod:`sceau.reports.sarif`)."""

    def sarif_results(self) -> Iterable[SarifResult]:
        """One result per finding, each naming its rule; in a stable order."""
        ...
