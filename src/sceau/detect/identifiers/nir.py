"""NIR: the French social-security number (also the INS "matricule"), with its mod-97 key."""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Category, Detector
from sceau.detect.identifiers._arith import bind

_SEP = "[ .-]?"

# sex (1, 2; 3, 4 for foreigners' provisional numbers; 7, 8 for temporary ones), year, month
# (01-12, 20-42 and 50-99 for unknown or fictitious months), department (01-95, 2A, 2B, 20 before
# 1976, 97x/98x overseas, 99 born abroad), six digits of commune and order, two of key.
# The pattern checks the sex; `validate` checks month, department and key, on the number.
BAD_MONTHS = [0, *range(13, 20), *range(43, 50)]
BAD_DEPARTMENTS = [0, 96]
# Corsica: the key is computed with 2A read as 19 and 2B as 18 (19 and 18 are valid departments).
# Separators go in the same pass; the pattern puts a letter nowhere but in the department.
_FROM = [" ", ".", "-", "2A", "2B", "2a", "2b"]
_TO = ["", "", "", "19", "18", "19", "18"]


class NIR(Detector):
    """The 15-character NIR, compact or grouped with spaces, dots or dashes."""

    name = "nir"
    category = Category.NIR
    checksum = True
    embeddable = True
    pattern = (
        rf"\b[1-478]{_SEP}[0-9]{{2}}{_SEP}[0-9]{{2}}{_SEP}(?:[0-9]{{2}}|2[ABab])"
        rf"(?:{_SEP}[0-9]){{6}}{_SEP}[0-9]{{2}}\b"
    )

    def normalise(self, values: pl.Expr) -> pl.Expr:
        # no upper case: the pattern takes 2a/2b as they are, and so does `validate`
        return values.str.strip_chars()

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        # The pattern guarantees 15 characters once the separators are gone: digits, except a
        # department 2A/2B. Compact numbers cast at once; the others are rewritten first.
        return bind(candidates, _valid_candidate)


def _valid_candidate(candidate: pl.Expr) -> pl.Expr:
    compact = candidate.cast(pl.Int64, strict=False)
    rewritten = pl.when(compact.is_null()).then(candidate).str.replace_many(_FROM, _TO)
    return bind(pl.coalesce(compact, rewritten.cast(pl.Int64, strict=False)), _valid_number)


def _valid_number(number: pl.Expr) -> pl.Expr:
    month = number // 10**10 % 100
    department = number // 10**8 % 100
    key = number % 100
    return (
        ~month.is_in(BAD_MONTHS)
        & ~department.is_in(BAD_DEPARTMENTS)
        & (97 - number // 100 % 97 == key)
    )
