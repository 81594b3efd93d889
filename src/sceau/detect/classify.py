"""The column classifier: header evidence and value evidence, combined into one category.

Values are the stronger witness when a checksum backs them (a "comments" column full of valid
NIRs holds NIRs, whatever its name); the header is the stronger witness where values are
ambiguous (a column of 1s and 2s is a sex only if its name says so, or nothing else fits).
Both are combined as independent evidence (noisy-or), then a few rules settle the families
that share a shape: dates of birth and of visits, NIR and INS, FINESS and ADELI numbers, record
ids, logins and passwords. Each decision keeps its evidence so the user can see why.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from sceau.detect.base import Category, ColumnFinding, Detector, Evidence, Subject
from sceau.detect.freetext import prose_share
from sceau.detect.headers import HeaderHint, is_generated_name, read_header
from sceau.detect.identifiers import parse_dates

C = Category

# How much a value match alone proves, by category: a checksum proves much, a shape little.
STRENGTH: dict[Category, float] = {
    C.NIR: 1.0,
    C.IBAN: 1.0,
    C.EMAIL: 1.0,
    C.PHONE: 0.95,
    C.PASSWORD_HASH: 0.95,
    C.DATE: 0.9,
    C.ADDRESS: 0.9,
    C.PRACTITIONER_ID: 0.85,
    C.CITY: 0.85,
    C.FINESS: 0.8,
    C.PERSON_NAME: 0.8,
    C.POSTCODE: 0.7,
    C.SEX: 0.7,
    C.LOGIN: 0.45,
    C.PASSWORD: 0.45,
    C.INSURER_ID: 0.4,
}

# Categories whose values are recognised by another category's detectors.
SHARED_DETECTOR: dict[Category, Category] = {
    C.BIRTH_DATE: C.DATE,
    C.INS: C.NIR,
}
TEXT = frozenset({C.FREE_TEXT, C.HEALTH_TEXT})

# Whose data a category is when the header does not say.
_IMPLIED_SUBJECT = {
    C.PRACTITIONER_ID: Subject.PRACTITIONER,
    C.FINESS: Subject.LAB,
    C.INSURER_ID: Subject.INSURER,
    C.OTHER: Subject.UNKNOWN,
}

_CONSTANT_PROOF = 0.8  # a constant column is personal data only if a checksum says so
VALUE_FLOOR = 0.5  # below this share of matching values, values do not vote for a category
_FEW_DISTINCT = 5  # a column of at most this many distinct values names organisations
_BIRTH_SPREAD_YEARS = 25  # birth dates spread over generations; visit dates over a few years


@dataclass
class Classification:
    """A column's category, plus what the counting pass needs to count it over every row."""

    finding: ColumnFinding
    detectors: list[Detector] = field(default_factory=list)  # whose matches are counted
    is_text: bool = False  # analysed as free text over every row
    distinct_share: float = 1.0  # distinct values / values in the sample


def classify_table(sample: pl.DataFrame, detectors: Sequence[Detector]) -> list[Classification]:
    """Classify every column of a sample, several columns at a time.

    Polars releases the GIL while it evaluates, so threads put every core to work on the
    small per-column queries that would otherwise run one after the other.
    """
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(
            pool.map(lambda name: classify_column(name, sample[name], detectors), sample.columns)
        )


def classify_column(name: str, sample: pl.Series, detectors: Sequence[Detector]) -> Classification:
    """Classify one column from its name and a sample of its values (strings, nulls allowed)."""
    values = sample.cast(pl.String).str.strip_chars()
    values = values.filter(values.is_not_null() & (values != ""))
    result = _decide(name, values, detectors)
    if values.len():
        result.distinct_share = values.n_unique() / values.len()
    return result


def _decide(name: str, values: pl.Series, detectors: Sequence[Detector]) -> Classification:
    hint = read_header(name)
    evidence: list[Evidence] = []
    if hint.category is not None:
        evidence.append(Evidence("header", hint.reason, hint.weight))
    if values.len() == 0:
        category = hint.category or C.OTHER
        evidence.append(Evidence("values", "no value in the sample", 0.0))
        return _result(name, category, hint.weight * 0.8, hint, evidence, detectors)

    shares = value_shares(values, detectors)
    text_share = prose_share(values)
    best_value = max(shares.items(), key=lambda kv: kv[1] * STRENGTH.get(kv[0], 0.5), default=None)
    header_says_text = hint.category in TEXT
    strongest = best_value[1] * STRENGTH.get(best_value[0], 0.5) if best_value else 0.0

    if (header_says_text and strongest < 0.8) or (text_share >= 0.3 and strongest < 0.45):
        evidence.append(
            Evidence("values", f"{text_share:.0%} of sampled values read as prose", text_share)
        )
        confidence = _noisy_or(hint.weight if header_says_text else 0.0, text_share)
        return _result(name, C.FREE_TEXT, confidence, hint, evidence, detectors, is_text=True)

    scores: dict[Category, float] = {}
    for category, share in shares.items():
        if share >= VALUE_FLOOR:
            scores[category] = share * STRENGTH.get(category, 0.5)
    if hint.category is not None and hint.category not in TEXT:
        own = shares.get(SHARED_DETECTOR.get(hint.category, hint.category), 0.0)
        has_detector = _has_detector(hint.category, detectors)
        if has_detector and own < 0.2 and strongest >= 0.8:
            pass  # the name says one thing, strongly validated values another: values win
        else:
            value_part = own * STRENGTH.get(hint.category, 0.5) if has_detector else 0.0
            scores[hint.category] = _noisy_or(hint.weight, value_part)
            for family, shared in SHARED_DETECTOR.items():
                if hint.category is family:
                    scores.pop(shared, None)
    for category, share in shares.items():
        if category in scores and share >= VALUE_FLOOR:
            evidence.append(
                Evidence(
                    "values",
                    f"{share:.0%} of {values.len():,} sampled values are valid {category}",
                    share,
                )
            )

    distinct = values.n_unique()
    category = max(scores, key=lambda c: scores[c]) if scores else None
    constant = distinct == 1 and category is not None and category is not hint.category
    if constant and STRENGTH.get(category, 0.5) < _CONSTANT_PROOF:
        evidence.append(Evidence("cardinality", "one value on every row: a constant", 1.0))
        return _result(name, C.OTHER, 0.5, hint, evidence, detectors)
    weak = category is not None and hint.category is None and STRENGTH.get(category, 0.5) < 0.5
    if category is None or weak:
        record = _record_id_evidence(values, distinct)
        if record is not None:
            evidence.append(record)
            return _result(name, C.RECORD_ID, 0.6 * record.weight, hint, evidence, detectors)
    if category is None:
        evidence.append(Evidence("values", "no detector recognises these values", 0.0))
        return _result(name, C.OTHER, 0.3, hint, evidence, detectors)
    confidence = scores[category]
    category = _settle_family(category, hint, values, shares, distinct, evidence)
    return _result(name, category, confidence, hint, evidence, detectors)


def value_shares(values: pl.Series, detectors: Sequence[Detector]) -> dict[Category, float]:
    """For each category, the share of values that match and validate (best of its detectors).

    Each distinct value is tested once and weighed by how often it occurs.
    """
    frame = values.rename("v").value_counts(name="n")
    total = frame["n"].sum()
    expressions = [
        (pl.col("n").filter(detector.matches(pl.col("v"))).sum() / total).alias(str(i))
        for i, detector in enumerate(detectors)
    ]
    row = frame.lazy().select(expressions).collect().row(0)  # lazy: the optimiser applies
    shares: dict[Category, float] = {}
    for detector, share in zip(detectors, row, strict=True):
        shares[detector.category] = max(shares.get(detector.category, 0.0), float(share or 0.0))
    return shares


def _settle_family(
    category: Category,
    hint: HeaderHint,
    values: pl.Series,
    shares: dict[Category, float],
    distinct: int,
    evidence: list[Evidence],
) -> Category:
    """Tell apart the categories that share a shape."""
    if category in (C.DATE, C.BIRTH_DATE) and hint.category not in (C.DATE, C.BIRTH_DATE):
        spread = _year_spread(values)
        born = spread >= _BIRTH_SPREAD_YEARS
        evidence.append(
            Evidence("distribution", f"dates spread over {spread} years", 1.0 if born else 0.5)
        )
        return C.BIRTH_DATE if born else C.DATE
    nine_digit_luhn = shares.get(C.FINESS, 0.0) >= VALUE_FLOOR
    if category in (C.FINESS, C.PRACTITIONER_ID, C.INSURER_ID) and nine_digit_luhn:
        if hint.category in (C.FINESS, C.PRACTITIONER_ID, C.INSURER_ID):
            return hint.category
        few = distinct <= _FEW_DISTINCT
        evidence.append(Evidence("cardinality", f"{distinct:,} distinct values in the sample", 1.0))
        return C.FINESS if few else C.PRACTITIONER_ID
    return category


def _record_id_evidence(values: pl.Series, distinct: int) -> Evidence | None:
    """A column of unique values of one shape, without spaces, numbers records."""
    unique = distinct / values.len()
    shapes = values.str.replace_all(r"\d", "9").str.replace_all(r"[A-Za-z]", "a")
    regular = float(shapes.value_counts(sort=True)["count"][0]) / values.len()
    if unique >= 0.9 and regular >= 0.8 and not values.str.contains(" ").any():
        detail = f"{unique:.0%} of values distinct, {regular:.0%} of one shape"
        return Evidence("cardinality", detail, unique * regular)
    return None


def _year_spread(values: pl.Series) -> int:
    """Years between the 5th and 95th percentile of the parsable dates."""
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


def _has_detector(category: Category, detectors: Sequence[Detector]) -> bool:
    target = SHARED_DETECTOR.get(category, category)
    return any(d.category is target for d in detectors)


def _noisy_or(*weights: float) -> float:
    """Independent evidence combined: 1 - prod(1 - w)."""
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - max(0.0, min(1.0, weight))
    return 1.0 - remaining


def _result(
    name: str,
    category: Category,
    confidence: float,
    hint: HeaderHint,
    evidence: list[Evidence],
    detectors: Sequence[Detector],
    *,
    is_text: bool = False,
) -> Classification:
    subject = hint.subject or _IMPLIED_SUBJECT.get(category)
    if subject is None:
        subject = Subject.UNKNOWN if is_generated_name(name) else Subject.PATIENT
    target = SHARED_DETECTOR.get(category, category)
    counted = [d for d in detectors if d.category is target]
    finding = ColumnFinding(
        name=name,
        category=category,
        confidence=round(min(1.0, confidence), 3),
        subject=subject,
        evidence=evidence,
    )
    return Classification(finding, counted, is_text)
