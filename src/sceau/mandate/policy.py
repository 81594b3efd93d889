"""Deny by default, and the drift guard.

:func:`check_mandate` holds the rules a mandate must follow whatever the data: passwords are
only ever dropped or re-hashed, each treatment applies to the kind of column it was made for,
and a column that moves says what the scan found in it (``detected``). :func:`check_drift`
runs before every migration against a fresh scan of the source: the controller signed for the
source as it was, and a migration stops when the source has changed in a way that signature did
not cover. Refusals name the column and the rule, never a value.
"""

from __future__ import annotations

from sceau.detect.base import Category, ColumnFinding
from sceau.detect.report import TableScan
from sceau.mandate.model import ColumnRule, Mandate, MandateError, Treatment

CREDENTIALS = frozenset({Category.PASSWORD, Category.PASSWORD_HASH})
NATIONAL_IDS = frozenset({Category.NIR, Category.INS})
_DATES = frozenset({Category.BIRTH_DATE, Category.DATE})
_GENERALISABLE = {
    "year": _DATES,
    "month": _DATES,
    "department": frozenset({Category.POSTCODE}),
}
_AS_IS = frozenset({Treatment.KEEP, Treatment.GENERALISE})  # treatments that let text through


class DriftError(MandateError):
    """The source no longer matches the mandate: ``column`` and ``reason`` say where and why."""

    def __init__(self, column: str, reason: str, *, hint: str = "", where: str = "") -> None:
        super().__init__(f"column {column!r}: {reason}", hint=hint, where=where)
        self.column = column
        self.reason = reason


def allowed_columns(mandate: Mandate) -> tuple[str, ...]:
    """The source columns that move, in the mandate's order: every other column stays behind."""
    listed = set(mandate.source_columns)
    return tuple(rule.source for rule in mandate.moved if rule.source in listed)


def check_mandate(mandate: Mandate) -> None:
    """Refuse a mandate breaking a rule no controller may waive; MandateError names the column."""
    for rule in mandate.columns:
        where = f"mandate {mandate.mandate_id}: columns.{rule.source}"
        detected = noted_category(rule, where)
        if rule.treatment is Treatment.DROP:
            continue
        if detected is None:
            raise MandateError(
                "a column that moves must say what the scan found in it (`detected`)",
                hint="copy it from `sceau mandate draft`, or see docs/categories.md",
                where=where,
            )
        _check_treatment(rule, detected, where)


def _check_treatment(rule: ColumnRule, detected: Category, where: str) -> None:
    if detected in CREDENTIALS and rule.treatment is not Treatment.REHASH:
        raise MandateError(
            f"the column holds passwords ({detected}): passwords may only be dropped or re-hashed",
            hint='use treatment = "rehash-password" or "drop"',
            where=where,
        )
    if rule.treatment is Treatment.REHASH and detected not in CREDENTIALS:
        raise MandateError(
            f"rehash-password is for password columns only, and this one is {detected}",
            hint="choose another treatment, or correct `detected` if the scan was wrong",
            where=where,
        )
    if rule.spec == "pseudonymise:nir" and detected not in NATIONAL_IDS:
        raise MandateError(
            f"pseudonymise:nir makes NIR-shaped tokens, for NIR or INS columns only; "
            f"this one is {detected}",
            hint='use treatment = "pseudonymise" for other identifiers',
            where=where,
        )
    if rule.treatment is Treatment.GENERALISE and rule.option in _GENERALISABLE:
        fits = _GENERALISABLE[rule.option]
        if detected not in fits:
            kinds = " or ".join(sorted(fits))
            raise MandateError(
                f"{rule.spec} applies to {kinds} columns only; this one is {detected}",
                hint="see docs/treatments.md",
                where=where,
            )


def check_drift(mandate: Mandate, table_scan: TableScan) -> None:
    """Refuse to migrate when the scanned source differs from what the mandate was signed for."""
    where = f"mandate {mandate.mandate_id}"
    found = {column.name: column for column in table_scan.columns}
    signed = set(mandate.source_columns)
    for column in table_scan.columns:
        if column.name not in signed:
            raise DriftError(
                column.name,
                "the source has a column the mandate did not know of when it was signed",
                hint="draft a new mandate that decides about it, and have it signed",
                where=where,
            )
    for name in mandate.source_columns:
        if name not in found:
            raise DriftError(
                name,
                "the mandate lists this column but the source no longer has it",
                hint="check the source; if it changed for good, have a new mandate signed",
                where=where,
            )
    for rule in mandate.moved:
        _check_column(rule, found[rule.source], where)


def _check_column(rule: ColumnRule, finding: ColumnFinding, where: str) -> None:
    noted = noted_category(rule, f"{where}: columns.{rule.source}") or Category.OTHER
    credentials = finding.category in CREDENTIALS or any(
        finding.embedded.get(category) for category in CREDENTIALS
    )
    if credentials and rule.treatment is not Treatment.REHASH:
        raise DriftError(
            rule.source,
            f"the column now holds passwords and its treatment is {rule.spec}; passwords may "
            "only be dropped or re-hashed",
            hint="have a new mandate signed that drops or re-hashes it",
            where=where,
        )
    if finding.sensitivity.rank < noted.sensitivity.rank:
        raise DriftError(
            rule.source,
            f"the column is now found to hold {finding.category} ({finding.sensitivity} data), "
            f"more sensitive than the {noted} ({noted.sensitivity} data) the mandate was signed "
            "for",
            hint="check the source; have a new mandate signed that covers what it now holds",
            where=where,
        )
    check_text(rule, finding.embedded, where, found="found")


def watched_text(mandate: Mandate, table_scan: TableScan) -> tuple[str, ...]:
    """Free-text columns the mandate moves as is: extraction checks every row of them for
    identifiers (:func:`check_text`), where the drift scan saw only a sample."""
    found = {column.name: column for column in table_scan.columns}
    return tuple(
        rule.source
        for rule in mandate.moved
        if rule.treatment in _AS_IS
        and found[rule.source].category in {Category.FREE_TEXT, Category.HEALTH_TEXT}
    )


def check_text(
    rule: ColumnRule,
    embedded: dict[Category, int],
    where: str,
    *,
    found: str = "found past the drift scan's sample",
) -> None:
    """Refuse text that holds identifiers when the mandate would move it as is."""
    inside = {category: n for category, n in embedded.items() if n}
    if not inside or rule.treatment not in _AS_IS:
        return
    counts = ", ".join(f"{n:,} {category}" for category, n in sorted(inside.items()))
    raise DriftError(
        rule.source,
        f"its text holds identifiers ({counts} {found}) and the mandate would move it as is "
        f"({rule.spec})",
        hint="use redact-identifiers, pseudonymise, encrypt or drop for this column",
        where=where,
    )


def noted_category(rule: ColumnRule, where: str) -> Category | None:
    """The category the mandate notes for a column (``detected``); MandateError if unknown."""
    if rule.detected is None:
        return None
    try:
        return Category(rule.detected)
    except ValueError:
        raise MandateError(
            "`detected` is not a category sceau knows",
            hint="use a category name from docs/categories.md, such as NIR or FREE_TEXT",
            where=where,
        ) from None
