"""One column's rule in a mandate: its treatment, its target, and the controller's override.

``columns.NAME = { treatment = "...", to = "...", detected = "...", category = "...",
reason = "...", found_inside = [...] }``: each key checked, errors naming the column, never a
value from the data. :mod:`sceau.mandate.parse` reads the rest of the mandate.
"""

from __future__ import annotations

import re

from sceau.mandate.limits import MAX_FOUND_INSIDE, MAX_REASON, plain_text_problem
from sceau.mandate.model import OPTIONS, REQUIRED_OPTION, ColumnRule, MandateError, Treatment

_COLUMN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\[\]-]{0,127}\Z")  # FHIR paths: name[0].family


def column_rule(name: str, spec: object, where: str) -> ColumnRule:
    if not isinstance(spec, dict):
        raise MandateError("each column must be a table with a `treatment`", where=where)
    unknown = set(spec) - RULE_FIELDS
    if unknown:
        raise MandateError(f"unknown field {sorted(unknown)[0]!r}", where=where)
    raw = spec.get("treatment")
    if not isinstance(raw, str):
        raise MandateError("`treatment` is missing", hint=_TREATMENTS_HINT, where=where)
    head, _, option = raw.partition(":")
    try:
        treatment = Treatment(head)
    except ValueError:
        raise MandateError(
            f"unknown treatment {raw!r}", hint=_TREATMENTS_HINT, where=where
        ) from None
    if option and option not in OPTIONS.get(treatment, frozenset()):
        raise MandateError(f"unknown treatment {raw!r}", hint=_TREATMENTS_HINT, where=where)
    if not option and treatment in REQUIRED_OPTION:
        raise MandateError(f"{treatment} needs a level", hint=_TREATMENTS_HINT, where=where)
    target = spec.get("to")
    if target is not None and (not isinstance(target, str) or not _COLUMN.match(target)):
        raise MandateError(
            "`to` must be a column name (letters, digits, _ . - and [ ] for FHIR paths)",
            where=where,
        )
    detected = _word(spec, "detected", where)
    category, reason = _override(spec, detected, where)
    return ColumnRule(
        source=name,
        treatment=treatment,
        option=option or None,
        target=None if treatment is Treatment.DROP else (target or name),
        detected=detected,
        category=category,
        reason=reason,
        found_inside=_found_inside(spec.get("found_inside"), f"{where}.found_inside"),
    )


RULE_FIELDS = {"treatment", "to", "detected", "category", "reason", "found_inside"}
_WORD = re.compile(r"^[A-Z][A-Z0-9_]{0,63}\Z")  # a category's name, checked against the list later


def _word(spec: dict[str, object], key: str, where: str) -> str | None:
    value = spec.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not _WORD.match(value):
        raise MandateError(
            f"`{key}` must be a category name in capitals, such as LOGIN or FREE_TEXT",
            hint="see docs/categories.md",
            where=f"{where}.{key}",
        )
    return value


def _override(
    spec: dict[str, object], detected: str | None, where: str
) -> tuple[str | None, str | None]:
    """The controller's ``category`` over the scan's ``detected``, and the ``reason`` for it."""
    category = _word(spec, "category", where)
    reason = spec.get("reason")
    if category is None:
        if reason is not None:
            raise MandateError(
                "`reason` explains an override, and there is no `category`",
                hint='write category = "…" (what the column holds) next to the reason, or '
                "remove the reason",
                where=f"{where}.reason",
            )
        return None, None
    if detected is None:
        raise MandateError(
            "an override (`category`) needs `detected`: what the scan found",
            hint="keep the `detected` the draft wrote, and give your reading in `category`",
            where=f"{where}.category",
        )
    if category == detected:
        raise MandateError(
            "`category` repeats `detected`: an override names another category",
            hint="remove `category` and `reason`",
            where=f"{where}.category",
        )
    if not isinstance(reason, str) or not reason.strip():
        raise MandateError(
            f"an override needs a `reason`: why the column holds {category} and not {detected}",
            hint='add reason = "…" in plain words',
            where=f"{where}.reason",
        )
    problem = plain_text_problem(reason)
    if problem or len(reason) > MAX_REASON:
        raise MandateError(
            f"`reason` must be plain text on one line, {MAX_REASON} characters at most"
            + (f": {problem}" if problem else ""),
            where=f"{where}.reason",
        )
    return category, reason.strip()


def _found_inside(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if (
        not isinstance(value, list)
        or len(value) > MAX_FOUND_INSIDE
        or not all(isinstance(v, str) and _WORD.match(v) for v in value)
        or len(set(value)) != len(value)
    ):
        raise MandateError(
            "`found_inside` must be a list of category names, each once, as the draft wrote it",
            hint="copy it from `sceau mandate draft`",
            where=where,
        )
    return tuple(value)


# messages, not passwords:
PASSWORD_REFUSAL = (
    "the URL holds a password, and a mandate never holds one (it is signed, stored and shown)"  # noqa: S105
)
PASSWORD_HINT = (
    "remove the password from the URL (keep user@host); give it when connecting instead: "  # noqa: S105
    "PGPASSWORD or ~/.pgpass for PostgreSQL, MYSQL_PWD for MariaDB, or store it with "
    "`sceau keys db-password set URL` (see docs/mandate.md)"
)
_TREATMENTS_HINT = (
    "use keep, pseudonymise, pseudonymise:nir, encrypt, generalise:year, generalise:month, "
    "generalise:department, redact-identifiers, rehash-password or drop"
)
