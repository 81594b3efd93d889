"""What a copy of an export may have gone through before it turned up: a share of its rows, some
of its columns, one reformatting, re-encoding or conversion. Shared by the tests and by the
robustness table of ``bench/trace_robustness.py``.

Each function takes the export as read (every column text, the foreign generator's Axilab
dialect: ``NIR``, ``NOM``, ``NOM_JF``, ``PRENOMS``, ``DATE_NAISS`` day first, ``TEL_DOM``,
``TEL_PORT``, ``MAIL``) and returns the leaked frame; a writer puts it on disk in one form.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

NAMES = ("NOM", "NOM_JF", "PRENOMS")
PHONES = ("TEL_DOM", "TEL_PORT")
KEPT_COLUMNS: dict[str, tuple[str, ...]] = {
    "all": (),  # every column
    "NIR only": ("NIR",),
    "names + birth date only": (*NAMES, "DATE_NAISS"),
    "e-mail + phone only": ("MAIL", *PHONES),
}


def rows_kept(frame: pl.DataFrame, share: float | int, seed: int) -> pl.DataFrame:
    """A share of the rows (a float) or that many rows (an int), shuffled."""
    count = share if isinstance(share, int) else round(frame.height * share)
    return frame.sample(min(count, frame.height), seed=seed, shuffle=True)


def columns_kept(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """The columns :data:`KEPT_COLUMNS` names (in another order), or all of them."""
    kept = KEPT_COLUMNS[name]
    return frame.select(reversed(kept)) if kept else frame


def _strip_accents(column: pl.Expr) -> pl.Expr:
    return column.str.normalize("NFKD").str.replace_all(r"\p{Mn}", "")


def _international(column: pl.Expr) -> pl.Expr:
    """06 12 34 56 78 as +33 6 12 34 56 78."""
    digits = column.str.replace_all(r"[^0-9]", "")
    grouped = digits.str.replace(
        r"^0([1-9])([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})$", "+33 $1 $2 $3 $4 $5"
    )
    return pl.when(digits.str.len_chars() == 10).then(grouped).otherwise(column)


REFORMATTED: dict[str, Callable[[pl.DataFrame], pl.DataFrame]] = {
    "none": lambda f: f,
    "dates (ISO)": lambda f: f.with_columns(
        pl.col("DATE_NAISS").str.to_date("%d/%m/%Y", strict=False).dt.strftime("%Y-%m-%d")
    ),
    "phones (+33)": lambda f: f.with_columns(_international(pl.col(c)) for c in PHONES),
    "case": lambda f: f.with_columns(
        *(pl.col(c).str.to_lowercase() for c in NAMES), pl.col("MAIL").str.to_uppercase()
    ),
    "accents dropped": lambda f: f.with_columns(_strip_accents(pl.col(c)) for c in NAMES),
    "whitespace": lambda f: f.with_columns(
        *(("  " + pl.col(c).str.replace_all(" ", "   ") + " ").alias(c) for c in NAMES),
        *((" " + pl.col(c) + "  ").alias(c) for c in ("NIR", "MAIL", "DATE_NAISS")),
    ),
}


def _csv(separator: str, encoding: str) -> Callable[[pl.DataFrame, Path], Path]:
    def write(frame: pl.DataFrame, path: Path) -> Path:
        out = path.with_suffix(".csv")
        text = frame.write_csv(separator=separator)
        out.write_bytes(text.encode(encoding, errors="replace"))
        return out

    return write


def _parquet(frame: pl.DataFrame, path: Path) -> Path:
    out = path.with_suffix(".parquet")
    frame.write_parquet(out)
    return out


def _json(frame: pl.DataFrame, path: Path) -> Path:
    out = path.with_suffix(".jsonl")
    frame.write_ndjson(out)
    return out


WRITTEN: dict[str, Callable[[pl.DataFrame, Path], Path]] = {
    "UTF-8 ;": _csv(";", "utf-8"),
    "cp1252": _csv(";", "cp1252"),
    "comma": _csv(",", "utf-8"),
    "Parquet": _parquet,
    "JSON lines": _json,
}
