"""The console of ``sceau serve``: server-drawn pages in French or English over the same rooms
and the same default-deny guard as the JSON API, with one small script of its own
(``static/console.js``: the login steps, security keys, a run's live progress) and no inline
script or style, so the strict CSP holds."""

from __future__ import annotations

from sceau.web.console import (
    admin_pages,
    audit_pages,
    incident_pages,
    key_pages,
    mandate_pages,
    pages,
    run_files,
    run_pages,
    scan_pages,
    watch_pages,
)
from sceau.web.console.errors import drawn_for_pages

ROUTES = [
    *pages.ROUTES,
    *run_pages.ROUTES,
    *scan_pages.ROUTES,
    *run_files.ROUTES,
    *watch_pages.ROUTES,
    *mandate_pages.ROUTES,
    *audit_pages.ROUTES,
    *admin_pages.ROUTES,
    *key_pages.ROUTES,
    *incident_pages.ROUTES,
]

__all__ = ["ROUTES", "drawn_for_pages"]
