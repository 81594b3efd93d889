"""What a column's values look like as a whole: the measures the classifier's rules read.

Each is a share or a spread of the sampled values, never a raw count, so it does not grow with
the size of the file: what share of a column each detector recognises, placeholders set aside,
labels (names of organisations), record numbers, the years dates span.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache

import polars as pl

from sceau.detect.base import Category, Detector, Evidence
from sceau.detect.identifiers import parse_dates

# What exports write for "nothing": they say nothing about a column's category, as nulls do.
PLACEHOLDERS = (
    "-", "--", "?", "/", ".", "na", "n/a", "n.a.", "nan", "null", "none", "nil", "neant",
    "néant", "nc", "n.c.", "nr", "inconnu", "inconnue", "non renseigne", "non renseigné",
    "non communique", "non communiqué", "aucun", "aucune", "sans", "unknown", "vide", "empty",
    "#n/a",
)  # fmt: skip
_ZEROS = r"^0+$"  # 0, 00000000: an unset number
_UNIQUE = 0.9  # share of distinct values a record id needs
_REGULAR = 0.8  # share of values of its commonest shape a record id needs
_ID_DIGITS = 5  # a number of one width this long or longer is shaped like an id
_CODE_DIGITS = 7  # a unique code holding this many digits numbers someone or something, whatever
# its width: membership numbers, file numbers (a count or an amount never gets there)
_DENSE = 0.5  # distinct integers over their range: a sequence numbering records
_LABEL_WORDS = 6


def informative(sample: pl.Series) -> pl.Series:
    """The sample as stripped strings, without nulls, empty cells and placeholders."""
    v = pl.col("v")
    nothing = v.is_in(_placeholders().implode()) | v.str.contains(_ZEROS)
    frame = sample.cast(pl.String).str.strip_chars().to_frame("v")
    return frame.filter((v != "") & ~nothing)["v"]


@cache
def _placeholders() -> pl.Series:
    """Every placeholder as written: lower case, capitals, capitalised (a set, looked up once)."""
    forms = [form for w in PLACEHOLDERS for form in (w, w.upper(), w.capitalize())]
    return pl.Series(forms).unique()


def label_share(values: pl.Series) -> float:
    """Share of values that are short labels (an organisation's name: "Harmonie Mutuelle",
    "MGEN", "AG2R La Mondiale"): at most six words, each opening with a capital or a digit."""
    words = values.str.extract_all(r"[^\s,;:()]+")
    capitalised = words.list.eval(pl.element().str.contains(r"^(?:\p{Lu}|[0-9]|[dl]')")).list.all()
    short = words.list.len().is_between(1, _LABEL_WORDS)
    return _share(capitalised & short)


def record_id_evidence(values: pl.Series) -> Evidence | None:
    """Record numbers: near-unique values *and* an id's shape, never counts or amounts.

    An id's shape: one regular form with both letters and digits (D2019-000123, a UUID), one
    width of at least five digits (000123, 100234567), codes of seven digits or more whatever
    their width (a membership number, OC75344582), or integers numbering rows one after the
    other (1, 2, 3...). Small integers of varying width that are not a sequence are counts
    or amounts, whatever their spread.
    """
    n = values.len()
    unique = values.n_unique() / n
    if unique < _UNIQUE or values.str.contains(r"\s").any():
        return None
    shapes = values.str.replace_all(r"[0-9]", "9").str.replace_all(r"[A-Za-z]", "a")
    counts = shapes.rename("shape").value_counts(sort=True, name="n")
    top, regular = counts["shape"][0], float(counts["n"][0]) / n
    coded = "a" in top and "9" in top
    wide = set(top) == {"9"} and len(top) >= _ID_DIGITS
    if regular >= _REGULAR and (coded or wide):
        detail = f"{unique:.0%} of values distinct, {regular:.0%} of one id-like shape"
        return Evidence("cardinality", detail, unique * regular)
    long_codes = _share(values.str.count_matches(r"[0-9]").ge(_CODE_DIGITS))
    if long_codes >= _REGULAR:
        detail = f"{unique:.0%} of values distinct, {long_codes:.0%} long numbers or codes"
        return Evidence("cardinality", detail, unique * long_codes * 0.8)
    numbers = values.cast(pl.Int64, strict=False)
    low, high = numbers.min(), numbers.max()
    if numbers.null_count() == 0 and isinstance(low, int) and isinstance(high, int):
        density = values.n_unique() / (high - low + 1)
        if density >= _DENSE:
            detail = f"{unique:.0%} of values distinct, numbered one after the other"
            return Evidence("cardinality", detail, unique * min(1.0, density))
    return None


def year_spread(values: pl.Series) -> int:
    """Years between the 5th and 95th percentile of the parsable dates (0 if in the future)."""
    years = values.to_frame("v").select(parse_dates(pl.col("v")).dt.year().alias("y"))["y"]
    years = years.drop_nulls()
    if years.len() == 0:
        return 0
    low, high = years.quantile(0.05), years.quantile(0.95)
    if low is None or high is None:
        return 0
    if high > date.today().year:  # future dates are appointments, never births
        return 0
    return int(high - low)


def table_shares(
    columns: dict[str, pl.Series], detectors: Sequence[Detector]
) -> dict[str, dict[Category, float]]:
    """For each column and category, the share of the column's values that match and validate
    (best of the category's detectors); empty for a column without values.

    Each distinct value of a column is tested once and weighed by how often it occurs; the
    columns are stacked, so each detector's query is built and run once for all of them.
    """
    counted = [
        values.rename("v").value_counts(name="n").with_columns(c=pl.lit(index, pl.UInt32))
        for index, values in enumerate(columns.values())
    ]
    stacked = pl.concat(counted) if counted else pl.DataFrame()
    result: dict[str, dict[Category, float]] = {name: {} for name in columns}
    if stacked.height == 0:
        return result
    hits = [  # over the whole stack, then summed by column: never one query per column
        pl.when(detector.matches(pl.col("v"))).then("n").otherwise(0).alias(str(i))
        for i, detector in enumerate(detectors)
    ]
    totals = (  # lazy: the optimiser applies
        stacked.lazy().select("c", pl.col("n").alias("total"), *hits).group_by("c").sum().collect()
    )
    names = list(columns)
    for row in totals.iter_rows():
        shares = result[names[row[0]]]
        for detector, hit in zip(detectors, row[2:], strict=True):
            share = float(hit or 0) / row[1]
            shares[detector.category] = max(shares.get(detector.category, 0.0), share)
    return result


def _share(mask: pl.Series) -> float:
    """The share of true values in a boolean column; 0 when it has none to count."""
    share = mask.mean()
    return share if isinstance(share, float) else 0.0
