"""Refusals and errors on a console page are drawn as a page, with the same status, message and
hint the API's problem+json carries (the problem handlers run first: what they record, they
still record); every other route keeps its problem+json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response

from sceau.web.console.render import PAGE, render

Handler = Callable[[Request[Any, Any, Any], Any], Response[Any]]


def drawn_for_pages(handler: Handler) -> Handler:
    """``handler``, answering a console page's request with a page instead of problem+json."""

    def answer(request: Request[Any, Any, Any], error: Any) -> Response[Any]:
        problem = handler(request, error)
        if not _is_page(request) or not isinstance(problem.content, dict):
            return problem
        body = problem.content
        status = problem.status_code or 500
        return render(
            request,
            "error.html",
            status,
            title=str(status),
            problem=body.get("title", ""),
            hint=body.get("hint", ""),
            status=status,
            me=None,
            may=frozenset(),
        )

    return answer


def _is_page(request: Request[Any, Any, Any]) -> bool:
    try:
        return bool(request.route_handler.opt.get(PAGE))
    except (KeyError, AttributeError):  # no route matched (404 before routing): not a page
        return False
