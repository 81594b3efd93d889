"""What a detector is, and the vocabulary it speaks.

A detector recognises one :class:`Category` from a column's values, vectorised: it receives a
Polars string expression and returns a Boolean expression, one answer per cell, never a loop over
cells. The same detector also finds its category *inside* free text when ``embeddable`` is set,
through its ``pattern``.

Findings carry counts, names and lexicon ids, never a value: in this domain the matched word
("VIH") is itself health data.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

import polars as pl

from sceau.errors import SceauError


class DetectError(SceauError):
    """A detector, lexicon or classifier setting is wrong (a bug or a bad plug-in, not bad data)."""


class Sensitivity(StrEnum):
    """How much harm a leak of the category does, most severe first."""

    SPECIAL = "special"  # GDPR art. 9: health, genetic
    IDENTIFIER = "identifier"  # national identifiers: NIR, INS
    CREDENTIAL = "credential"  # what opens an account
    PERSONAL = "personal"  # any other personal data
    NONE = "none"

    @property
    def rank(self) -> int:
        """0 for the most severe; ``--fail-on X`` fails on every rank <= X's."""
        return list(Sensitivity).index(self)


class Category(StrEnum):
    """What a column holds. Documented one by one in docs/categories.md."""

    NIR = "NIR"
    INS = "INS"
    PERSON_NAME = "PERSON_NAME"
    SEX = "SEX"
    ADDRESS = "ADDRESS"
    POSTCODE = "POSTCODE"
    CITY = "CITY"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    BIRTH_DATE = "BIRTH_DATE"
    DATE = "DATE"
    HEALTH_TEXT = "HEALTH_TEXT"
    FREE_TEXT = "FREE_TEXT"
    PRACTITIONER_ID = "PRACTITIONER_ID"
    FINESS = "FINESS"
    INSURER_ID = "INSURER_ID"
    LOGIN = "LOGIN"
    PASSWORD = "PASSWORD"
    PASSWORD_HASH = "PASSWORD_HASH"
    IBAN = "IBAN"
    RECORD_ID = "RECORD_ID"
    OTHER = "OTHER"

    @property
    def sensitivity(self) -> Sensitivity:
        return _SENSITIVITY[self]


_SENSITIVITY: dict[Category, Sensitivity] = {c: Sensitivity.PERSONAL for c in Category} | {
    Category.NIR: Sensitivity.IDENTIFIER,
    Category.INS: Sensitivity.IDENTIFIER,
    Category.HEALTH_TEXT: Sensitivity.SPECIAL,
    Category.PASSWORD: Sensitivity.CREDENTIAL,
    Category.PASSWORD_HASH: Sensitivity.CREDENTIAL,
    Category.FINESS: Sensitivity.NONE,  # identifies a lab, not a person
    Category.OTHER: Sensitivity.NONE,
}


class HealthCategory(StrEnum):
    """Special-category data found inside free text (GDPR art. 9)."""

    HIV = "HIV"
    CANCER = "CANCER"
    GENETIC = "GENETIC"
    PREGNANCY = "PREGNANCY"
    TREATMENT = "TREATMENT"
    MENTAL_HEALTH = "MENTAL_HEALTH"
    SEXUAL_HEALTH = "SEXUAL_HEALTH"
    ADDICTION = "ADDICTION"
    DISABILITY = "DISABILITY"


class Subject(StrEnum):
    """Whose data a column is, when its header says so."""

    PATIENT = "patient"
    PRACTITIONER = "practitioner"
    SAMPLER = "sampler"
    INSURER = "insurer"
    LAB = "lab"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Evidence:
    """One reason behind a classification, shown to the user: never a value from the data."""

    source: str  # "header", "values", "distribution", "cardinality"; "alternative": not a reason
    detail: str  # e.g. "header says 'ddn'", "97% of 10,000 sampled values are valid NIR"
    weight: float


@dataclass
class ColumnFinding:
    """What sceau concluded about one column, with counts over every row read."""

    name: str
    category: Category
    confidence: float
    subject: Subject = Subject.UNKNOWN
    rows: int = 0
    non_null: int = 0
    matches: int = 0  # non-null cells that match and validate as `category`
    health_categories: dict[HealthCategory, int] = field(default_factory=dict)
    # cells where a health mention was set aside by its context (negated, a relative's, a
    # hypothesis, not about the patient), by reason: counted apart, so that nothing is hidden
    health_set_aside: dict[str, int] = field(default_factory=dict)
    embedded: dict[Category, int] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    example: str = ""  # the shape of a value (digits as 9, letters as x): never the value
    name_held: tuple[Category, ...] = ()  # what the column's own name held (shown as its shape)

    @property
    def sensitivity(self) -> Sensitivity:
        """The column's own category, raised to special when its text holds health data."""
        if self.health_categories and any(self.health_categories.values()):
            return Sensitivity.SPECIAL
        return self.category.sensitivity


class Detector(ABC):
    """Recognises one category from string values, vectorised over a Polars expression.

    Subclasses declare ``name`` and ``category``, a Rust-regex ``pattern`` for one occurrence
    (unanchored; used to find the category inside free text when ``embeddable``), and override
    :meth:`validate` when the category has a checksum (then set ``checksum``) or a calendar.
    """

    name: ClassVar[str]
    category: ClassVar[Category]
    pattern: ClassVar[str]
    embeddable: ClassVar[bool] = False
    # A check digit backs every match: even a column holding one value on every row (a lab's
    # FINESS) is this category, where a shape alone would only be a constant code.
    checksum: ClassVar[bool] = False

    def normalise(self, values: pl.Expr) -> pl.Expr:
        """The form ``pattern`` and ``validate`` see: stripped by default."""
        return values.str.strip_chars()

    def validate(self, candidates: pl.Expr) -> pl.Expr:
        """Whether each candidate (already matching ``pattern``) is valid; all are by default."""
        return pl.lit(True)

    def matches(self, values: pl.Expr) -> pl.Expr:
        """True where the whole cell is one valid occurrence; null cells are False."""
        # The cell where it is one whole occurrence, null elsewhere: cells that fail the pattern
        # reach `validate` as nulls, which cost it nothing. It is computed once and `validate`
        # reads it as often as it likes: `validate` runs on one-item lists (`list.eval`), as
        # Polars' common sub-expression elimination cannot be relied on (it shares no
        # expression holding a null literal, as `strip_chars()` or `pl.when` without
        # `otherwise` do, nor does the eager `select`).
        cell = self.normalise(values)
        if type(self).validate is Detector.validate:  # every occurrence is valid
            return cell.str.contains(f"^(?:{self.pattern})$").fill_null(False)
        candidates = cell.str.extract(f"^(?:{self.pattern})$", 0)
        whole = pl.concat_list([candidates]).list.eval(
            pl.element().is_not_null() & self.validate(pl.element())
        )
        return whole.list.first().fill_null(False)


_REGISTRY: dict[str, type[Detector]] = {}


def register(cls: type[Detector]) -> type[Detector]:
    """Class decorator: sceau's own detectors register exactly as a plug-in's would."""
    for attribute in ("name", "category", "pattern"):
        if not hasattr(cls, attribute):
            raise DetectError(f"detector {cls.__name__} does not declare `{attribute}`")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise DetectError(f"two detectors are named {cls.name!r}", hint="rename one of them")
    _REGISTRY[cls.name] = cls
    return cls


def registered() -> Iterator[Detector]:
    """One instance of every registered detector, built-ins first."""
    from sceau.detect import identifiers  # noqa: F401  (registers the built-ins)

    for cls in _REGISTRY.values():
        yield cls()
