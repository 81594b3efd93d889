"""Deny by default, and the drift guard.

:func:`check_mandate` holds the rules a mandate must follow whatever the data: no URL in it
holds a password, passwords in the data are only ever dropped or re-hashed, each treatment
applies to the kind of column it was made for, a column that moves says what the scan found in
it (``detected``), and text in which the scan found identifiers never moves as is. Every rule
reads a column's *effective* category: the controller's override (``category``, with a
``reason``) when there is one, else ``detected``.

:func:`check_drift` runs before every migration against a fresh scan of the source. The
controller signed for the source as it was. Two refusals differ in kind:

- :class:`SourceChanged` — a column was added or is gone: the source itself changed;
- :class:`ScanDisagreement` — the scan reads a column that is still there otherwise than the
  mandate notes. Nobody did anything wrong: the scan may be mistaken, or the data may have
  changed, and the controller decides (confirm the reading with a reason, or treat the column
  as the scan reads it) and signs again.

Refusals name the column and the rule, never a value.
"""

from __future__ import annotations

from collections.abc import Iterable

from sceau.detect.base import Category, ColumnFinding
from sceau.detect.report import TableScan
from sceau.mandate.column_rules import PASSWORD_HINT, PASSWORD_REFUSAL
from sceau.mandate.limits import holds_password
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
_TEXT_HINT = "use redact-identifiers, pseudonymise, encrypt or drop for this column"


class DriftError(MandateError):
    """The drift guard refused: ``column`` and ``reason`` say where and why."""

    def __init__(self, column: str, reason: str, *, hint: str = "", where: str = "") -> None:
        super().__init__(f"column {column!r}: {reason}", hint=hint, where=where)
        self.column = column
        self.reason = reason


class SourceChanged(DriftError):
    """The source has a column the mandate did not know of, or lost one it lists."""


class ScanDisagreement(DriftError):
    """The scan reads an unchanged column otherwise than the signed mandate notes.

    ``scanned`` is the scan's reading, ``signed`` the category the mandate notes (its override
    when it has one): category names, for the event the refusal records.
    """

    def __init__(
        self,
        column: str,
        reason: str,
        *,
        scanned: str,
        signed: str,
        hint: str = "",
        where: str = "",
    ) -> None:
        super().__init__(column, reason, hint=hint, where=where)
        self.scanned = scanned
        self.signed = signed


def allowed_columns(mandate: Mandate) -> tuple[str, ...]:
    """The source columns that move, in the mandate's order: every other column stays behind."""
    listed = set(mandate.source_columns)
    return tuple(rule.source for rule in mandate.moved if rule.source in listed)


def check_mandate(mandate: Mandate) -> None:
    """Refuse a mandate breaking a rule no controller may waive; MandateError names the field."""
    for field, location in (("source", mandate.source), ("destination", mandate.destination)):
        if holds_password(location):
            raise MandateError(
                PASSWORD_REFUSAL,
                hint=PASSWORD_HINT,
                where=f"mandate {mandate.mandate_id}: {field}.location",
            )
    for rule in mandate.columns:
        at = f"mandate {mandate.mandate_id}: columns.{rule.source}"
        detected = noted_category(rule, at)
        effective = effective_category(rule, at)
        inside = [_category(name, f"{at}.found_inside") for name in rule.found_inside]
        if rule.treatment is Treatment.DROP:
            continue
        if detected is None or effective is None:
            raise MandateError(
                "a column that moves must say what the scan found in it (`detected`)",
                hint="copy it from `sceau mandate draft`, or see docs/categories.md",
                where=at,
            )
        _check_treatment(rule, effective, at)
        refusal = text_refusal(rule, inside)
        if refusal:
            raise MandateError(refusal, hint=_TEXT_HINT, where=at)


def _check_treatment(rule: ColumnRule, category: Category, where: str) -> None:
    if category in CREDENTIALS and rule.treatment is not Treatment.REHASH:
        raise MandateError(
            f"the column holds passwords ({category}): passwords may only be dropped or re-hashed",
            hint='use treatment = "rehash-password" or "drop"',
            where=where,
        )
    if rule.treatment is Treatment.REHASH and category not in CREDENTIALS:
        raise MandateError(
            f"rehash-password is for password columns only, and this one is {category}",
            hint="choose another treatment, or correct `detected` if the scan was wrong",
            where=where,
        )
    if rule.spec == "pseudonymise:nir" and category not in NATIONAL_IDS:
        raise MandateError(
            f"pseudonymise:nir makes NIR-shaped tokens, for NIR or INS columns only; "
            f"this one is {category}",
            hint='use treatment = "pseudonymise" for other identifiers',
            where=where,
        )
    if rule.treatment is Treatment.GENERALISE and rule.option in _GENERALISABLE:
        fits = _GENERALISABLE[rule.option]
        if category not in fits:
            kinds = " or ".join(sorted(fits))
            raise MandateError(
                f"{rule.spec} applies to {kinds} columns only; this one is {category}",
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
            raise SourceChanged(
                column.name,
                "the source has a column the mandate did not know of when it was signed",
                hint="draft a new mandate that decides about it, and have it signed",
                where=where,
            )
    for name in mandate.source_columns:
        if name not in found:
            raise SourceChanged(
                name,
                "the mandate lists this column but the source no longer has it",
                hint="check the source; if it changed for good, have a new mandate signed",
                where=where,
            )
    for rule in mandate.moved:
        _check_column(rule, found[rule.source], where)


def _check_column(rule: ColumnRule, finding: ColumnFinding, where: str) -> None:
    """The scan's reading of one moved column against what the controller signed over.

    When the scan reads what ``detected`` says, the mandate's rules were checked at signing on
    the effective category, override included: nothing to refuse. Otherwise the reading is
    refused when it is a password the treatment would let through (unless the controller
    overrode a password reading), or when it is more sensitive than both ``detected`` and the
    override.
    """
    at = f"{where}: columns.{rule.source}"
    detected = noted_category(rule, at) or Category.OTHER
    signed = effective_category(rule, at) or Category.OTHER
    reading = _reading(finding)
    hidden = _inside(finding.embedded)
    if CREDENTIALS & set(hidden) and rule.treatment is not Treatment.REHASH:
        raise _disagreement(
            rule,
            _names(CREDENTIALS & set(hidden)),
            signed,
            f"the scan finds passwords inside its text, and its treatment is {rule.spec}; "
            "passwords may only be dropped or re-hashed",
            hint="the controller chooses rehash-password or drop for it, and signs again",
            where=where,
        )
    waived = rule.category is not None and detected in CREDENTIALS
    if reading in CREDENTIALS and rule.treatment is not Treatment.REHASH and not waived:
        raise _disagreement(
            rule,
            str(reading),
            signed,
            f"the scan reads it as {reading} where the mandate notes {signed}, and its "
            f"treatment is {rule.spec}; passwords may only be dropped or re-hashed",
            hint=_confirm_hint(reading, signed)
            + "; if it does hold passwords, the controller chooses rehash-password or drop",
            where=where,
        )
    if finding.sensitivity.rank < min(detected.sensitivity.rank, signed.sensitivity.rank):
        raise _disagreement(
            rule,
            str(reading),
            signed,
            f"the scan reads it as {reading} ({finding.sensitivity} data) where the mandate "
            f"notes {signed} ({signed.sensitivity} data)",
            hint=_confirm_hint(reading, signed)
            + f"; if it now holds {reading}, the controller decides how to treat it",
            where=where,
        )
    refusal = text_refusal(rule, hidden)
    if refusal:
        raise _disagreement(rule, _names(hidden), signed, refusal, hint=_TEXT_HINT, where=where)


def _reading(finding: ColumnFinding) -> Category:
    """The category the scan's finding amounts to: text mentioning health is HEALTH_TEXT."""
    if finding.sensitivity != finding.category.sensitivity:
        return Category.HEALTH_TEXT
    return finding.category


def _disagreement(
    rule: ColumnRule, scanned: str, signed: Category, reason: str, *, hint: str, where: str
) -> ScanDisagreement:
    return ScanDisagreement(
        rule.source, reason, scanned=scanned, signed=str(signed), hint=hint, where=where
    )


def _inside(embedded: dict[Category, int]) -> list[Category]:
    """The categories found inside a column's text at least once."""
    return [category for category, n in embedded.items() if n]


def _names(categories: Iterable[Category]) -> str:
    """Category names, sorted, comma-separated: how a refusal's event states what was found."""
    return ",".join(sorted({str(category) for category in categories}))


def _confirm_hint(reading: Category, signed: Category) -> str:
    return (
        f"if the scan is wrong, the controller can confirm {signed} in the mandate "
        f'(detected = "{reading}", category = "{signed}", reason = "…") and sign again'
    )


def watched_text(mandate: Mandate, table_scan: TableScan) -> tuple[str, ...]:
    """Free-text columns the mandate moves as is: extraction checks every row of them for
    identifiers (:func:`text_refusal`), where the drift scan saw only a sample."""
    found = {column.name: column for column in table_scan.columns}
    return tuple(
        rule.source
        for rule in mandate.moved
        if rule.treatment in _AS_IS
        and found[rule.source].category in {Category.FREE_TEXT, Category.HEALTH_TEXT}
    )


def text_refusal(rule: ColumnRule, inside: Iterable[Category]) -> str | None:
    """Why text holding the identifiers ``inside`` may not move under ``rule``, or None.

    One sentence for every place that asks — the draft's ``found_inside`` at signing, the drift
    scan's sample, each extracted batch — so a refusal reads the same wherever it comes from.
    """
    names = _names(inside)
    if not names or rule.treatment not in _AS_IS:
        return None
    listed = names.replace(",", ", ")
    return (
        f"its text holds identifiers ({listed}) and the mandate would move it as is ({rule.spec})"
    )


def check_text(rule: ColumnRule, embedded: dict[Category, int], where: str) -> None:
    """Refuse extracted text that holds identifiers when the mandate would move it as is."""
    hidden = _inside(embedded)
    refusal = text_refusal(rule, hidden)
    if refusal:
        signed = rule.effective or str(Category.OTHER)
        raise ScanDisagreement(
            rule.source,
            refusal,
            scanned=_names(hidden),
            signed=signed,
            hint=_TEXT_HINT,
            where=where,
        )


def noted_category(rule: ColumnRule, where: str) -> Category | None:
    """The category the draft's scan found for a column (``detected``); MandateError if unknown."""
    return _category(rule.detected, f"{where}.detected") if rule.detected else None


def effective_category(rule: ColumnRule, where: str) -> Category | None:
    """The category the rules read: the controller's override, else ``detected``."""
    if rule.category is not None:
        return _category(rule.category, f"{where}.category")
    return noted_category(rule, where)


def _category(name: str, where: str) -> Category:
    try:
        return Category(name)
    except ValueError:
        raise MandateError(
            "this is not a category sceau knows",
            hint="use a category name from docs/categories.md, such as NIR or FREE_TEXT",
            where=where,
        ) from None
