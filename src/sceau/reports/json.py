"""The JSON form of a report: ``to_dict()`` as it is, for machines and for archiving.

The shape of each kind is a JSON Schema under ``sceau/reports/schemas/`` (``scan.schema.json``)
and is documented field by field in docs/scan-report.md.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sceau.reports.report import Report, ReportError


def render_json(report: Report) -> str:
    """Indented UTF-8 JSON (accents kept as they are), ending with a newline."""
    try:
        text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ReportError(
            f"the {report.kind} report holds a field JSON cannot represent"
            f" ({type(error).__name__})",
            hint="this is a bug in sceau: please report it",
            where=f"{report.kind} report",
        ) from None
    return text + "\n"


def report_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of reports of ``kind``, shipped with sceau."""
    folder = resources.files("sceau.reports").joinpath("schemas")
    schema = folder.joinpath(f"{kind}.schema.json")
    if not schema.is_file():
        shipped = sorted(f.name.split(".")[0] for f in folder.iterdir() if f.name.endswith(".json"))
        raise ReportError(
            f"sceau ships no JSON schema for {kind} reports",
            hint=f"schemas exist for: {', '.join(shipped)}",
            where=f"{kind} report",
        )
    loaded: dict[str, Any] = json.loads(schema.read_text(encoding="utf-8"))
    return loaded
