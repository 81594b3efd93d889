"""The HTML form of a report: one self-contained page a DPO can send to a regulator.

The page is rendered from ``to_dict()`` by the Jinja2 template named after the report's kind
(``templates/scan.html``), which extends ``templates/_page.html`` (layout, inline CSS, print
rules). No external asset and no script: the file reads the same offline, in ten years, printed.
Autoescaping is on: a column named ``<script>`` is shown, never run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, select_autoescape

from sceau.display import printable
from sceau.reports.base import Report, ReportError
from sceau.reports.i18n import Language, translator


def render_html(report: Report, language: Language | None = None) -> str:
    """The report as a complete HTML document, in ``language`` (the default language if None)."""
    try:
        template = _environment().get_template(f"{report.kind}.html")
    except TemplateNotFound:
        raise ReportError(
            f"{report.kind} reports have no HTML form yet",
            hint="write this report as JSON instead",
            where=f"{report.kind} report",
        ) from None
    from sceau import __version__

    return template.render(
        report=report.to_dict(), kind=report.kind, version=__version__, t=translator(language)
    )


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("sceau.reports", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(number=number, plural=plural, when=when, printable=printable)
    environment.tests["url"] = is_url
    return environment


def number(value: int | float) -> str:
    """Thousands separated by commas: 491,840."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def plural(count: int, singular: str, several: str | None = None) -> str:
    """``3 columns``, ``1 column``: the count and the word that agrees with it."""
    word = singular if count == 1 else (several or singular + "s")
    return f"{number(count)} {word}"


def is_url(location: str) -> bool:
    """Whether a report's location is a database URL rather than a file path."""
    return "://" in location


def when(iso: str) -> str:
    """An ISO 8601 moment as ``2025-03-14 09:30 UTC``, unambiguous in French and English."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
