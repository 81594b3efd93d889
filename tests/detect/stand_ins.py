"""Unregistered stand-in detectors the free-text tests share: they exercise the interface alone."""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Category, Detector


class EvenCode(Detector):
    """'C' and six digits whose sum is even: a stand-in for a checksummed identifier."""

    name = "test_even_code"
    category = Category.RECORD_ID
    pattern = r"\bC[0-9]{6}\b"
    embeddable = True

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        digits = candidates.str.extract_all(r"[0-9]").list.eval(pl.element().cast(pl.Int32))
        return digits.list.sum() % 2 == 0


class Mail(Detector):
    name = "test_mail"
    category = Category.EMAIL
    pattern = r"[a-z]+@[a-z]+\.fr\b"
    embeddable = True
