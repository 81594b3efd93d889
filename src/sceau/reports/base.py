"""The formats every report renders to, and the one safe way to put it on disk.

What a report is lives in :mod:`sceau.reports.report`, which the formats import: this module
chooses a format and imports it, and no format imports this module. Rooms import this module;
this module never imports a room.

Reports describe patient data (column names, counts, shapes), so they are written atomically
with mode 0600: a reader sees the previous report or the new one, never half of one.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, assert_never

from sceau import files
from sceau.reports.report import Report, ReportError

if TYPE_CHECKING:
    from sceau.reports.i18n import Language

REPORT_FILE_MODE = 0o600


class ReportFormat(StrEnum):
    """The formats every command writes: ``--json``, ``--html``, ``--sarif``."""

    JSON = "json"
    HTML = "html"
    SARIF = "sarif"


def render(report: Report, fmt: ReportFormat, language: Language | None = None) -> str:
    """The whole report as text in ``fmt``. Raises ReportError if the report has no such form.

    ``language`` chooses the words of the HTML form (the default language when None); JSON and
    SARIF are for machines and stay as they are.
    """
    match fmt:
        case ReportFormat.JSON:
            from sceau.reports.json import render_json

            return render_json(report)
        case ReportFormat.HTML:
            from sceau.reports.html import render_html

            return render_html(report, language)
        case ReportFormat.SARIF:
            from sceau.reports.sarif import render_sarif

            return render_sarif(report)
        case _:
            assert_never(fmt)


def write_report(
    report: Report, fmt: ReportFormat, path: Path | str, language: Language | None = None
) -> Path:
    """Render ``report`` and write it to ``path`` atomically, mode 0600; returns the path.

    The report is rendered in full before anything touches the disk, so a rendering error
    leaves no file, and an existing report at ``path`` stays as it was.
    """
    text = render(report, fmt, language)
    target = Path(path)
    write_atomic(target, text.encode("utf-8"))
    return target


def write_atomic(path: Path, data: bytes, *, mode: int = REPORT_FILE_MODE) -> None:
    """Write ``data`` to ``path`` whole or not at all, created with ``mode`` from the start."""
    if path.is_dir():
        raise ReportError("the report's path is a folder", hint="give a file name", where=str(path))
    if not path.parent.is_dir():
        raise ReportError(
            "the report's folder does not exist",
            hint="create the folder first or choose another path",
            where=str(path),
        )
    try:
        files.write_atomic(path, data, mode=mode)
    except OSError as error:
        raise _os_error("cannot write the report", error, path) from None


def _os_error(message: str, error: OSError, path: Path) -> ReportError:
    reason = error.strerror or type(error).__name__
    return ReportError(
        f"{message} ({reason})",
        hint="check the folder's permissions and free space",
        where=str(path),
    )
