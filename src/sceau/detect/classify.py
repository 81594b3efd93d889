"""The column classifier: header evidence and value evidence, combined into one category.

Values are the stronger witness when a checksum backs them (a "comments" column full of valid
NIRs holds NIRs, whatever its name); the header is the stronger witness where values are
ambiguous (a column of 1s and 2s is a sex only if its name says so, or nothing else fits).
Both are combined as independent evidence (noisy-or), then a few rules settle the families
that share a shape: dates of birth and of visits, NIR and INS, FINESS and ADELI numbers, record
ids, logins and passwords. Each decision keeps the evidence that supports it, so the user can
see why; a category that also fitted but lost is named apart, as an alternative.

Every rule decides from shares of the sampled values and their distribution, never from a raw
count, so the same column gets the same verdict in a file of a hundred rows or of a million.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import polars as pl

from sceau.detect import accounts
from sceau.detect.base import Category, ColumnFinding, Detector, Evidence, Subject
from sceau.detect.columns import (
    informative,
    label_share,
    record_id_evidence,
    table_shares,
    year_spread,
)
from sceau.detect.freetext import prose_share
from sceau.detect.headers import HeaderHint, is_generated_name, plugin_header, read_header
from sceau.detect.identifiers.address import address_words

C = Category

# How much a value match alone proves is the category's own ``strength`` (detect/base.py).
# Categories whose values are recognised by another category's detectors.
SHARED_DETECTOR: dict[Category, Category] = {
    C.BIRTH_DATE: C.DATE,
    C.INS: C.NIR,
}
TEXT = frozenset({C.FREE_TEXT, C.HEALTH_TEXT})
# A header naming one of a family supports a verdict of another: a bare "date" may end as a
# birth date, "MDP" as password hashes.
_FAMILIES = (TEXT, frozenset({C.DATE, C.BIRTH_DATE}), frozenset({C.PASSWORD, C.PASSWORD_HASH}))
# Judged from the marks of the whole column (accounts.py), never from one cell's shape.
CREDENTIALS = frozenset({C.LOGIN, C.PASSWORD})

# Whose data a category is when the header does not say.
_IMPLIED_SUBJECT = {
    C.PRACTITIONER_ID: Subject.PRACTITIONER,
    C.FINESS: Subject.LAB,
    C.INSURER_ID: Subject.INSURER,
    C.OTHER: Subject.UNKNOWN,
}
# A header that only names an owner holds the owner's number when the values are numbers.
_OWNER_NUMBER = {
    Subject.INSURER: C.INSURER_ID,
    Subject.LAB: C.FINESS,
    Subject.PRACTITIONER: C.PRACTITIONER_ID,
    Subject.SAMPLER: C.PRACTITIONER_ID,
}

VALUE_FLOOR = 0.5  # below this share of matching values, values do not vote for a category
STRONG_HEADER = 0.9  # a header this sure is not overruled by "reads as prose" if values fit
HEADER_ONLY = 0.4  # the most confidence a header earns when no sampled value agrees with it
_OVERRULE = 0.8  # values this strong, where the header's category finds none, win
_WEAK = 0.5  # a verdict weaker than this, without a header, yields to a record id
_FEW_DISTINCT = 5  # a column of at most this many distinct 9-digit keys names establishments
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

    Every detector runs once over the values of all the columns together: building a detector's
    query (its regexes, its lexicon's automaton) costs more than running it on a sample. Polars
    releases the GIL while it evaluates, so threads then put every core to work on the small
    per-column queries that would otherwise run one after the other.
    """
    values = {name: informative(sample[name]) for name in sample.columns}
    shares = table_shares(values, detectors)

    def classify(name: str) -> Classification:
        return _classified(name, values[name], detectors, shares[name])

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(classify, sample.columns))


def classify_column(name: str, sample: pl.Series, detectors: Sequence[Detector]) -> Classification:
    """Classify one column from its name and a sample of its values (strings, nulls allowed)."""
    values = informative(sample)
    return _classified(name, values, detectors, table_shares({name: values}, detectors)[name])


def _classified(
    name: str, values: pl.Series, detectors: Sequence[Detector], shares: dict[Category, float]
) -> Classification:
    result = _Decision(name, values, detectors, shares).decide()
    if values.len():
        result.distinct_share = values.n_unique() / values.len()
    return result


class _Decision:
    """One column's evidence, gathered once, and the rules that turn it into a verdict."""

    def __init__(
        self,
        name: str,
        values: pl.Series,
        detectors: Sequence[Detector],
        shares: dict[Category, float],
    ) -> None:
        self.name, self.values, self.detectors, self.shares = name, values, detectors, shares
        self.hint = read_header(name)
        if self.hint.category is None:
            self.hint = plugin_header(name, detectors) or self.hint
        self.evidence: list[Evidence] = []  # the header's own is added with the verdict
        self.account: accounts.AccountProfile | None = None  # both computed when first asked
        self.mentions: float | None = None

    def decide(self) -> Classification:
        hint, values = self.hint, self.values
        if values.len() == 0:
            self.evidence.append(Evidence("values", "no value in the sample", 0.0))
            return self._header_only(hint.category or C.OTHER, hint.weight)
        judged = {c: s for c, s in self.shares.items() if c not in CREDENTIALS}
        strongest = max((s * c.strength for c, s in judged.items()), default=0.0)
        support = self._support(hint.category)

        text_share = prose_share(values)
        if _reads_as_text(hint, text_share, strongest, support):
            self.evidence.append(
                Evidence("values", f"{text_share:.0%} of sampled values read as prose", text_share)
            )
            confidence = _noisy_or(hint.weight if hint.category in TEXT else 0.0, text_share)
            return self._result(C.FREE_TEXT, confidence, is_text=True)

        scores = {c: s * c.strength for c, s in judged.items() if s >= VALUE_FLOOR}
        overruled = support is not None and support < 0.2 and strongest >= _OVERRULE
        if hint.category is not None and hint.category not in TEXT and not overruled:
            own = (support or 0.0) * hint.category.strength
            scores[hint.category] = _noisy_or(hint.weight, own)
            if hint.category in SHARED_DETECTOR:  # a birth date is not also a date
                scores.pop(SHARED_DETECTOR[hint.category], None)
        self._owner_number(scores)
        self._credentials(scores)

        category = max(scores, key=lambda c: (scores[c], c is hint.category), default=None)
        distinct = values.n_unique()
        constant = distinct == 1 and (category is None or category is not hint.category)
        if constant and not self._checksum_backed(category):
            self.evidence.append(
                Evidence("cardinality", "one value on every row: a constant code", 1.0)
            )
            return self._result(C.OTHER, 0.5)
        if category is None or (hint.category is None and scores[category] < _WEAK):
            record = record_id_evidence(values)
            if record is not None:
                self.evidence.append(record)
                return self._result(C.RECORD_ID, 0.6 * record.weight)
        if category is None:
            self.evidence.append(Evidence("values", "no detector recognises these values", 0.0))
            return self._result(C.OTHER, 0.3)
        confidence = scores[category]
        category = self._settle_family(category, distinct)
        if category is hint.category and support is not None and support < 0.005:
            return self._header_only(category, confidence)
        self._value_evidence(category)
        return self._result(category, confidence)

    # --- evidence -----------------------------------------------------------------------------

    def _support(self, category: Category | None) -> float | None:
        """The share of values that agree with a category; None where nothing can tell."""
        if category is None or category in TEXT:
            return None
        if category in CREDENTIALS:
            if category is C.LOGIN:
                return self._account().login_form
            return self.shares.get(C.PASSWORD, 0.0)
        if category is C.ADDRESS:
            strict = self.shares.get(C.ADDRESS, 0.0)
            if self.hint.weight < STRONG_HEADER or strict >= VALUE_FLOOR:
                return strict  # (whole street lines already fit)
            return max(strict, self._mentions_address())
        if category is C.OTHER and self.hint.owner_only:
            return label_share(self.values)  # an organisation's name: a short title-case label
        target = SHARED_DETECTOR.get(category, category)
        if not any(d.category is target for d in self.detectors):
            return None
        return self.shares.get(target, 0.0)

    def _mentions_address(self) -> float:
        if self.mentions is None:
            self.mentions = _share(self.values, address_words(pl.col("v")))
        return self.mentions

    def _account(self) -> accounts.AccountProfile:
        if self.account is None:
            self.account = accounts.account_profile(self.values)
        return self.account

    def _owner_number(self, scores: dict[Category, float]) -> None:
        """ORGANISME over numbers: the organisation's number, not its name."""
        hint = self.hint
        if not hint.owner_only or hint.subject not in _OWNER_NUMBER:
            return
        number = _OWNER_NUMBER[hint.subject]
        share = self.shares.get(number, 0.0)
        if share < VALUE_FLOOR:
            return
        if hint.category is not None:
            scores.pop(hint.category, None)
        scores[number] = _noisy_or(hint.weight, share * number.strength)
        self.evidence.append(
            Evidence("values", f"{share:.0%} of sampled values are numbers of its form", share)
        )

    def _credentials(self, scores: dict[Category, float]) -> None:
        """Logins and passwords, told apart by the marks of the whole column."""
        header = self.hint.category
        looks = max(self.shares.get(C.LOGIN, 0.0), self.shares.get(C.PASSWORD, 0.0))
        hashed = self.shares.get(C.PASSWORD_HASH, 0.0) >= VALUE_FLOOR  # stored hashes, not clear
        settled = max(scores.values(), default=0.0) >= accounts.BEST  # no mark could beat it
        if hashed or (header not in CREDENTIALS and (looks < 0.3 or settled)):
            return
        found = accounts.verdict(self._account(), header)
        if found is None:
            if header is C.LOGIN:
                detail = accounts.said(self._account())
                self.evidence.append(Evidence("values", detail, self._account().login_form))
            return
        if header is C.LOGIN:
            scores.pop(C.LOGIN, None)  # most values carry a password's marks
        scores[found.category] = max(scores.get(found.category, 0.0), found.score)
        self.evidence.append(Evidence("values", found.detail, found.score))

    def _checksum_backed(self, category: Category | None) -> bool:
        if category is None:
            return False
        target = SHARED_DETECTOR.get(category, category)
        return any(d.checksum and d.category is target for d in self.detectors)

    def _settle_family(self, category: Category, distinct: int) -> Category:
        """Tell apart the categories that share a shape."""
        hint = self.hint
        dated = hint.category not in (C.DATE, C.BIRTH_DATE) or hint.generic
        if category in (C.DATE, C.BIRTH_DATE) and dated:
            spread = year_spread(self.values)
            born = spread >= _BIRTH_SPREAD_YEARS
            self.evidence.append(
                Evidence("distribution", f"dates spread over {spread} years", 1.0 if born else 0.5)
            )
            return C.BIRTH_DATE if born else C.DATE
        if category is C.PASSWORD and self.shares.get(C.PASSWORD_HASH, 0.0) >= VALUE_FLOOR:
            return C.PASSWORD_HASH  # passwords, stored hashed: not in clear
        nine_digit_luhn = self.shares.get(C.FINESS, 0.0) >= VALUE_FLOOR
        family = (C.FINESS, C.PRACTITIONER_ID, C.INSURER_ID)
        if category in family and nine_digit_luhn and hint.category not in family:
            few = distinct <= _FEW_DISTINCT
            kind = "one establishment or a few (FINESS)" if few else "many people (ADELI)"
            detail = f"{distinct:,} distinct number{'s' * (distinct > 1)} in the sample: {kind}"
            self.evidence.append(Evidence("cardinality", detail, 1.0))
            return C.FINESS if few else C.PRACTITIONER_ID
        if category is C.INSURER_ID and hint.category is None:
            self.evidence.append(
                Evidence(
                    "distribution",
                    "8-9 digit numbers with no check digit, repeated over the rows: "
                    "third-party-payment numbers of a few insurers",
                    0.5,
                )
            )
        return category

    def _value_evidence(self, category: Category) -> None:
        """The verdict's own value evidence, then what else the values looked like."""
        n = self.values.len()
        own = SHARED_DETECTOR.get(category, category)
        share = self.shares.get(own, 0.0)
        if category is not C.LOGIN and share > 0:  # a login's evidence is its marks
            detail = f"{share:.0%} of {n:,} sampled values are valid {own}"
            self.evidence.append(Evidence("values", detail, share))
        support = self._support(category) if category in (C.ADDRESS, C.OTHER) else None
        if category is C.ADDRESS and support is not None and support > share:
            detail = f"{support:.0%} of sampled values mention an address (street, floor, postcode)"
            self.evidence.append(Evidence("values", detail, support))
        if category is C.OTHER and support is not None:
            detail = f"{support:.0%} of sampled values are short labels: the organisation's name"
            self.evidence.append(Evidence("values", detail, support))
        for other, other_share in sorted(self.shares.items(), key=lambda kv: -kv[1]):
            if other in (category, own) or other_share < VALUE_FLOOR:
                continue
            if other.strength < VALUE_FLOOR:  # a mere shape: no real alternative
                continue
            detail = f"also looked like {other} ({other_share:.0%} of sampled values); set aside"
            self.evidence.append(Evidence("alternative", detail, 0.0))

    def _header_evidence(self, category: Category) -> Evidence:
        """The header as support when it led to the verdict, else as the alternative it was."""
        hint = self.hint
        pair = {category, hint.category}
        led = category is hint.category or hint.owner_only or any(pair <= f for f in _FAMILIES)
        if led:
            return Evidence("header", hint.reason, hint.weight)
        detail = f"{hint.reason}, which points to {hint.category}; the values decided"
        return Evidence("alternative", detail, 0.0)

    # --- verdicts -----------------------------------------------------------------------------

    def _header_only(self, category: Category, confidence: float) -> Classification:
        """A verdict the header alone makes: said so, and never above HEADER_ONLY."""
        if self._support(category) is not None:
            detail = f"header only: no sampled value looks like {category}"
            self.evidence.append(Evidence("header", detail, 0.0))
            confidence = min(confidence, HEADER_ONLY)
        else:
            confidence = confidence * 0.8
        return self._result(category, confidence)

    def _result(
        self, category: Category, confidence: float, *, is_text: bool = False
    ) -> Classification:
        hint = self.hint
        if hint.category is not None:
            self.evidence.insert(0, self._header_evidence(category))
        subject = hint.subject or _IMPLIED_SUBJECT.get(category)
        if subject is None:
            subject = Subject.UNKNOWN if is_generated_name(self.name) else Subject.PATIENT
        target = SHARED_DETECTOR.get(category, category)
        counted = [d for d in self.detectors if d.category is target]
        finding = ColumnFinding(
            name=self.name,
            category=category,
            confidence=round(min(1.0, confidence), 3),
            subject=subject,
            evidence=self.evidence,
        )
        return Classification(finding, counted, is_text)


def _reads_as_text(
    hint: HeaderHint, text_share: float, strongest: float, support: float | None
) -> bool:
    """Prose wins over a header naming a kind of value only when the values do not fit it."""
    if hint.category in TEXT:
        return strongest < _OVERRULE
    if text_share < 0.3 or strongest >= 0.45:
        return False
    return support is None or support < VALUE_FLOOR


def _share(values: pl.Series, condition: pl.Expr) -> float:
    return float(values.to_frame("v").select(condition.mean()).item() or 0.0)


def _noisy_or(*weights: float) -> float:
    """Independent evidence combined: 1 - prod(1 - w)."""
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - max(0.0, min(1.0, weight))
    return 1.0 - remaining
