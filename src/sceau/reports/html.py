"""The HTML form of a report: one self-contained page a DPO can send to a regulator.

The page is rendered from ``to_dict()`` by the Jinja2 template named after the report's kind
(``templates/scan.html``), which extends ``templates/_page.html`` (layout, inline CSS, print
rules). No external asset and no script: the file reads the same offline, in ten years, printed.
Autoescaping is on: a column named ``<script>`` is shown, never run. Every word comes from the
catalogue of the page's language (:mod:`sceau.reports.i18n`), through :class:`PageWords`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound, select_autoescape
from markupsafe import Markup, escape

from sceau._version import __version__
from sceau.display import printable
from sceau.reports.i18n import Language, Translator, translator
from sceau.reports.report import Report, ReportError


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

    return template.render(
        report=report.to_dict(),
        kind=report.kind,
        version=__version__,
        t=PageWords(translator(language)),
    )


@dataclass(frozen=True)
class PageWords:
    """The catalogue as a template uses it: ``t("key", n=3, name=…)`` gives escaped words.

    The values filled in are escaped too, unless they are markup already — a macro's output
    such as ``<code>…</code>``, or other words of the catalogue — so a sentence may hold a
    name set in code, and a name can never add a tag.
    """

    words: Translator

    @property
    def language(self) -> Language:
        return self.words.language

    def __call__(self, key: str, /, n: int | None = None, **values: object) -> Markup:
        text = escape(self.words.template(key, n))
        if n is not None:
            values["n"] = self.words.number(n)
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return self.words.has(key)

    def number(self, value: float) -> str:
        return self.words.number(value)


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
    environment.filters.update(when=when, printable=printable)
    environment.tests["url"] = is_url
    return environment


def is_url(location: str) -> bool:
    """Whether a report's location is a database URL rather than a file path."""
    return "://" in location


def when(iso: str) -> str:
    """An ISO 8601 moment as ``2025-03-14 09:30 UTC``, unambiguous in French and English."""
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
