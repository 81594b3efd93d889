"""Redaction of free text, recall-first: anything shaped like an identifier becomes its placeholder.

``"rappeler au 07 03 78 91 54, NIR 1 85 05 78 006 084 00, vu avec Mme Martin le 12/03/2024"``
becomes ``"rappeler au [PHONE], NIR [NIR], vu avec Mme [NAME] le [DATE]"``. Detection for
*classifying* may validate (the scan counts a NIR whose key is right); redaction for *protecting*
may not: a number in a range the validator does not know yet, a NIR with a typo, an IBAN in lower
case still point at one person. So the shapes (:mod:`sceau.protect.shapes`) check nothing but the
shape, and names (:mod:`sceau.protect.names`) go by the lexicons, case and titles. Health words
are kept: the mandate chose to keep the text, and the text is what they are.

Vectorised over the column, whatever its size: the distinct texts only, one regex pass per shape
over all of them (the slower replacing pass over the texts the shape occurs in only), then one
pass cut into words for names. A shape takes the character before it (so
that it never starts inside a longer number) and gives it back: two identifiers one character
apart may need a second pass, which runs over the texts that changed only, until nothing changes.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from sceau.protect.base import ProtectError
from sceau.protect.names import NAME, redact_names
from sceau.protect.shapes import Shape, shapes

_MAX_PASSES = 8


def placeholders() -> frozenset[str]:
    """Every placeholder redaction writes: ``[EMAIL]``, ``[PHONE]``... and ``[NAME]``."""
    return frozenset({shape.placeholder for shape in shapes()} | {NAME})


def redact_identifiers(values: pl.Series, *, only: Collection[str] | None = None) -> pl.Series:
    """The text with every identifier-shaped run and name replaced by its placeholder; nulls stay.

    ``only`` keeps some kinds, by placeholder (``{"[NIR]", "[PHONE]"}``); by default, all.
    """
    text = values.cast(pl.String)
    kinds = placeholders() if only is None else frozenset(only)
    original = text.drop_nulls().unique()
    current, pending = original, original
    for passes in range(_MAX_PASSES + 1):
        redacted = _redact_once(pending, kinds)
        changed = pending != redacted
        if not changed.any():
            break
        if passes == _MAX_PASSES:
            raise ProtectError(
                f"redaction still changes the text after {_MAX_PASSES} passes",
                hint="this is a bug in sceau's redaction: report it with the column's name",
                where="redact-identifiers",
            )
        current = current.replace(pending.filter(changed), redacted.filter(changed))
        pending = redacted.filter(changed).unique()
    changed = original != current
    if not changed.any():
        return text
    return text.replace(original.filter(changed), current.filter(changed))


def _redact_once(texts: pl.Series, kinds: frozenset[str]) -> pl.Series:
    for shape in shapes():
        if shape.placeholder in kinds:
            texts = _replace(texts, shape)
    if NAME in kinds:
        texts = redact_names(texts)
    return texts


def _replace(texts: pl.Series, shape: Shape) -> pl.Series:
    """``str.replace_all`` on the texts the shape occurs in only: finding is fast, replacing
    (which reads the groups the shape gives back) is not, and most texts hold no identifier.
    A shape with a ``trigger`` is looked for only in the texts that hold one of its strings."""
    if shape.trigger:
        holds = texts.str.contains_any(list(shape.trigger), ascii_case_insensitive=True)
        where = holds.fill_null(False).arg_true()
    else:
        where = texts.is_not_null().arg_true()
    where = where.filter(texts.gather(where).str.contains(shape.pattern))
    if where.len() == 0:
        return texts
    replaced = texts.gather(where).str.replace_all(shape.pattern, shape.replacement)
    return texts.clone().scatter(where, replaced)  # scatter writes in place
