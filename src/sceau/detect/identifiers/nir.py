"""NIR: the French social-security number (also the INS "matricule"), with its mod-97 key."""

from __future__ import annotations

import polars as pl

from sceau.detect.base import Category, Detector, register
from sceau.detect.identifiers._arith import bind, mod97

_SEP = "[ .-]?"

# sex (1, 2; 3, 4 for foreigners' provisional numbers; 7, 8 for temporary ones), year, month
# (01-12, 20-42 and 50-99 for unknown or fictitious months), department (01-95, 2A, 2B, 20 before
# 1976, 97x/98x overseas, 99 born abroad), six digits of commune and order, two of key.
_MONTH = "(?:0[1-9]|1[0-2]|[23][0-9]|4[0-2]|[5-9][0-9])"
_DEPARTMENT = "(?:0[1-9]|[1-8][0-9]|9[0-57-9]|2[AB])"
_STRUCTURE = rf"^[1-478][0-9]{{2}}{_MONTH}{_DEPARTMENT}[0-9]{{8}}$"


@register
class NIR(Detector):
    """The 15-character NIR, compact or grouped with spaces, dots or dashes."""

    name = "nir"
    category = Category.NIR
    embeddable = True
    pattern = (
        rf"\b[1-478]{_SEP}[0-9]{{2}}{_SEP}[0-9]{{2}}{_SEP}(?:[0-9]{{2}}|2[ABab])"
        rf"(?:{_SEP}[0-9]){{6}}{_SEP}[0-9]{{2}}\b"
    )

    def normalise(self, values: pl.Expr) -> pl.Expr:
        return values.str.strip_chars().str.to_uppercase()

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        compact = candidates.str.to_uppercase().str.replace_all("[ .-]+", "")
        return bind(compact, _valid_compact)


def _valid_compact(compact: pl.Expr) -> pl.Expr:
    # Corsica: the key is computed with 2A read as 19 and 2B as 18.
    shaped = compact.str.contains(_STRUCTURE)
    candidate = pl.when(shaped).then(compact)  # the arithmetic skips the nulls: cheap
    number = candidate.str.slice(0, 13).str.replace_many(["2A", "2B"], ["19", "18"])
    key = candidate.str.slice(13, 2).cast(pl.Int64, strict=False)
    return shaped & (97 - mod97(number, 13) == key)
