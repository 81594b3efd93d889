"""Drawing the console's pages: one Jinja2 environment over ``templates/``, autoescaped, and the
words of the reader's language from the reports' catalogues (their ``console`` section).

The language is ``?lang=fr|en`` when the page asks, else the browser's ``Accept-Language``;
every link the page draws carries the choice on, so a French reader stays in French.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from litestar import Request, Response
from litestar.utils.scope.state import ScopeState

from sceau.display import printable
from sceau.reports.i18n import Language, Translator, translator

Req = Request[Any, Any, Any]
HTML = "text/html; charset=utf-8"
PAGE = "sceau_page"  # a route's opt flag: its refusals are drawn as pages, not problem+json


def page() -> dict[str, Any]:
    """The ``opt`` a console page adds beside its action: refusals are drawn for people."""
    return {PAGE: True}


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("sceau.web.console", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # names and details a client handed in (a scan report's) lose their control characters
    environment.filters["printable"] = printable
    return environment


def language_of(request: Req) -> Language:
    """``?lang=`` if it names a language sceau speaks, else the first one Accept-Language
    names that it speaks, else English."""
    asked = request.query_params.get("lang", "")
    if asked in {lang.value for lang in Language}:
        return Language(asked)
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in {lang.value for lang in Language}:
            return Language(tag)
    return Language.EN


def words_of(request: Req) -> Translator:
    """The reader's words."""
    return translator(language_of(request))


def csrf_token(request: Req) -> str:
    """The CSRF token a form posts back as ``_csrf_token`` (the cookie's, or the one this
    answer sets)."""
    token = ScopeState.from_scope(request.scope).csrf_token
    return token if isinstance(token, str) else ""


def render(request: Req, template: str, code: int = 200, **values: Any) -> Response[str]:
    """The page ``template`` filled with ``values``, in the reader's language."""
    words = words_of(request)
    html = (
        _environment()
        .get_template(template)
        .render(
            t=words,
            lang=words.language.value,
            link=_linker(words),
            csrf=csrf_token(request),
            **values,
        )
    )
    return Response(html, status_code=code, media_type=HTML)


def _linker(words: Translator) -> Any:
    def link(path: str, **query: Any) -> str:
        return f"{path}?{urlencode({**query, 'lang': words.language.value})}"

    return link
