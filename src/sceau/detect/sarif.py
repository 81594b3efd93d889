"""A scan's findings as SARIF results, read from the scan's JSON form (docs/scan-report.md).

Working from ``to_dict()`` keeps it to the documented JSON shape (docs/scan-report.md), the
same that every consumer of the report sees. ``ScanReport.sarif_results()`` delegates here.

One result per column whose sensitivity is not ``none`` (rule ``sceau/<CATEGORY>``), one per
health category found in a column (``sceau/health/<CATEGORY>``) and one per identifier found
inside a column's text (``sceau/<CATEGORY>`` again, embedded).
"""

from __future__ import annotations

from typing import Any

from sceau.detect.base import Category
from sceau.reports.sarif import Level, SarifResult, SarifRule

LEVELS = {
    "special": Level.ERROR,
    "identifier": Level.ERROR,
    "credential": Level.ERROR,
    "personal": Level.WARNING,
}

_ACTION = {
    "special": "It is special-category data (GDPR art. 9): keep it out of any export the "
    "mandate does not name, and encrypt or pseudonymise it where it must move.",
    "identifier": "A national identifier links every record of a person: keep it out of exports "
    "the mandate does not name, and pseudonymise it with a keyed hash where it must move.",
    "credential": "Credentials must never move in clear: drop the column, or re-hash it "
    "(Argon2id) on the way.",
    "personal": "It is personal data: export it only where the mandate names it, and minimise "
    "it (generalise, truncate) where the purpose allows.",
}

HEALTH: dict[str, str] = {
    "HIV": "HIV infection or status, its tests and treatments",
    "CANCER": "cancers and blood malignancies, their treatment and follow-up",
    "GENETIC": "genetic tests and their results, inherited diseases",
    "PREGNANCY": "pregnancy, its follow-up and outcome, fertility care",
    "TREATMENT": "drug treatments and therapies a patient is under",
    "MENTAL_HEALTH": "mental illness, suicide attempts, psychiatric care and drugs",
    "SEXUAL_HEALTH": "sexually transmitted infections, sex life, orientation, contraception",
    "ADDICTION": "alcohol, drug and tobacco use and their treatment",
    "DISABILITY": "disability, its recognition, reduced mobility or senses, legal protection",
}


def scan_results(scan: dict[str, Any]) -> list[SarifResult]:
    """The SARIF results of a scan report's ``to_dict()``, in the report's order."""
    results: list[SarifResult] = []
    for table in scan["sources"]:
        for column in table["columns"]:
            results.extend(_column_results(table["source"], column))
    return results


def category_rule(category: str) -> SarifRule:
    """The rule ``sceau/<CATEGORY>``: what the category covers and what to do about it."""
    sensitivity, covers = _described(category)
    return SarifRule(
        id=f"sceau/{category}",
        name=category,
        short_description=f"A column holds {covers}.",
        help=f"sceau classified a column as {category}: {covers}. "
        + _ACTION.get(sensitivity, "It is not personal data."),
        tags=(sensitivity,),
    )


def health_rule(category: str) -> SarifRule:
    """The rule ``sceau/health/<CATEGORY>``: health data of that kind found in free text."""
    covers = HEALTH.get(category, f"health data of the kind {category}")
    return SarifRule(
        id=f"sceau/health/{category}",
        name=f"health/{category}",
        short_description=f"Free text mentions {covers}.",
        help=f"Cells of a free-text column mention {covers} ({category}). " + _ACTION["special"],
        tags=("special", "health"),
    )


def _column_results(source: str, column: dict[str, Any]) -> list[SarifResult]:
    name = column["name"]
    found: list[SarifResult] = []
    sensitivity = column["sensitivity"]
    if sensitivity in LEVELS:
        found.append(
            SarifResult(
                rule=category_rule(column["category"]),
                level=LEVELS[sensitivity],
                message=_column_message(column),
                source=source,
                column=name,
                properties={
                    "sensitivity": sensitivity,
                    "subject": column["subject"],
                    "confidence": column["confidence"],
                    "nonNull": column["non_null"],
                    "matches": column["matches"],
                },
            )
        )
    for health, cells in column["health_categories"].items():
        found.append(
            SarifResult(
                rule=health_rule(health),
                level=Level.ERROR,
                message=f"Column '{name}' mentions {health} health data in "
                f"{_cells(cells)}: special-category data (GDPR art. 9).",
                source=source,
                column=name,
                properties={"sensitivity": "special", "cells": cells},
            )
        )
    for category, cells in column["embedded"].items():
        own, _ = _described(category)
        if own not in LEVELS:
            continue
        found.append(
            SarifResult(
                rule=category_rule(category),
                level=LEVELS[own],
                message=f"Column '{name}' holds {category} values inside its text in "
                f"{_cells(cells)}.",
                source=source,
                column=name,
                properties={"sensitivity": own, "cells": cells, "embedded": True},
            )
        )
    return found


def _described(category: str) -> tuple[str, str]:
    """A category's own sensitivity and what it covers, as it declared them (a report written
    with a plug-in that is no longer installed names a category sceau does not know)."""
    try:
        known = Category(category)
    except ValueError:
        return "personal", f"data classified {category}"
    return known.sensitivity.value, known.covers


def _column_message(column: dict[str, Any]) -> str:
    name, category = column["name"], column["category"]
    text = f"Column '{name}' holds {category} data ({column['sensitivity']})"
    if column["matches"]:
        text += f": {column['matches']:,} of {column['non_null']:,} non-empty cells match"
    elif column["non_null"]:
        text += f" in {column['non_null']:,} non-empty cells"
    return text + f", confidence {column['confidence']:.2f}."


def _cells(count: int) -> str:
    return f"{count:,} cell" + ("" if count == 1 else "s")
