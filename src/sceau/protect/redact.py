"""Redaction of free text: each identifier inside a comment becomes the name of its category.

``"rappeler au 06 12 34 56 78, NIR 1 85 05 78 006 084 36"`` becomes
``"rappeler au [PHONE], NIR [NIR]"``. The identifiers are those the scan counts inside free text:
the same embeddable detectors, the same patterns (:func:`~sceau.detect.freetext.text_pattern`),
the same ``normalise`` and ``validate``, so the scan of a redacted column finds none. Health
words are kept: the mandate chose to keep the text, and the text is what they are.

Vectorised over the column, whatever its size, in a few passes: the distinct texts only; every
detector's candidates extracted at once (``str.extract_all``); the distinct candidates validated
by the detector's own expression; then every valid one replaced in every text in one
Aho-Corasick pass (longest first, so an e-mail address wins over a phone number inside it). A
string found valid is replaced wherever it occurs in the column. Texts that changed are scanned
again until no valid identifier is left: a replacement can only remove characters that
identifiers are made of, so this ends, usually after one pass.
"""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Detector
from sceau.detect.freetext import embeddable_detectors, text_pattern

_MAX_PASSES = 8


def placeholder(detector: Detector) -> str:
    """What replaces an identifier the detector finds: ``[NIR]``, ``[PHONE]``, ``[EMAIL]``..."""
    return f"[{detector.category.value}]"


def redact_identifiers(values: pl.Series) -> pl.Series:
    """Every valid identifier in the text replaced by its category's placeholder; nulls stay."""
    text = values.cast(pl.String)
    detectors = embeddable_detectors()
    original = text.drop_nulls().unique()
    current, pending = original, original
    for passes in range(_MAX_PASSES + 1):
        found = _valid_candidates(pending, detectors)
        if found.height == 0:
            break
        if passes == _MAX_PASSES:
            from sceau.protect.apply import ProtectError  # apply imports this module

            raise ProtectError(
                f"redaction still finds identifiers after {_MAX_PASSES} passes",
                hint="a detector's placeholder or pattern makes new identifiers: check plug-ins",
                where="redact-identifiers",
            )
        redacted = pending.str.replace_many(
            found.get_column("candidate").implode(),
            found.get_column("placeholder").implode(),
            leftmost=True,
        )
        changed = pending != redacted
        current = current.replace(pending.filter(changed), redacted.filter(changed))
        pending = redacted.filter(changed).unique()
    changed = original != current
    if not changed.any():
        return text
    return text.replace(original.filter(changed), current.filter(changed))


def _valid_candidates(texts: pl.Series, detectors: list[Detector]) -> pl.DataFrame:
    """The distinct strings in ``texts`` that a detector finds and validates, longest first,
    with their placeholder (the first detector's when two find the same string)."""
    frame = pl.DataFrame({"text": texts})
    found = []
    for order, detector in enumerate(detectors):
        candidates = (
            frame.select(
                pl.col("text").str.extract_all(text_pattern(detector.pattern)).alias("candidate")
            )
            .explode("candidate")
            .drop_nulls()
            .unique()
        )
        cell = detector.normalise(pl.col("candidate"))
        valid = candidates.filter((detector.validate(cell) & cell.is_not_null()).fill_null(False))
        found.append(
            valid.with_columns(placeholder=pl.lit(placeholder(detector)), order=pl.lit(order))
        )
    if not found:
        return pl.DataFrame(schema={"candidate": pl.String, "placeholder": pl.String})
    return (
        pl.concat(found)
        .sort("order")
        .unique("candidate", keep="first", maintain_order=True)
        .sort(pl.col("candidate").str.len_bytes(), descending=True, maintain_order=True)
        .select("candidate", "placeholder")
    )
