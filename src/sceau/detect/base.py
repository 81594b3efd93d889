"""What a detector is, and the vocabulary it speaks.

A detector recognises one :class:`Category` from a column's values, vectorised: it receives a
Polars string expression and returns a Boolean expression, one answer per cell, never a loop over
cells. The same detector also finds its category *inside* free text when ``embeddable`` is set,
through its ``pattern``.

Findings carry counts, names and lexicon ids, never a value: in this domain the matched word
("VIH") is itself health data.
"""

from __future__ import annotations

import re
from abc import ABC
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

import polars as pl

from sceau.errors import SceauError
from sceau.plugins import Registry
from sceau.reports.i18n import add_words


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


class _Categories(type):
    """Iterating over :class:`Category` gives every category declared so far, sceau's first."""

    def __iter__(cls) -> Iterator[Category]:
        return iter(list(cls._declared.values()))  # type: ignore[attr-defined]

    def __len__(cls) -> int:
        return len(cls._declared)  # type: ignore[attr-defined]


class Category(str, metaclass=_Categories):
    """What a column holds: sceau's own categories (docs/categories.md) and the plug-ins'.

    A category is declared once, with its sensitivity and a line saying what it covers (the
    SARIF rules and the docs read it there); a plug-in detector declares its own with
    :meth:`declare`. ``Category("NIR")`` is the declared one itself, so ``is`` compares.
    """

    _declared: ClassVar[dict[str, Category]] = {}
    sensitivity: Sensitivity
    covers: str
    strength: float  # 0-1: how far values matching its detectors outweigh a header's word

    NIR: ClassVar[Category]
    INS: ClassVar[Category]
    PERSON_NAME: ClassVar[Category]
    SEX: ClassVar[Category]
    ADDRESS: ClassVar[Category]
    POSTCODE: ClassVar[Category]
    CITY: ClassVar[Category]
    PHONE: ClassVar[Category]
    EMAIL: ClassVar[Category]
    BIRTH_DATE: ClassVar[Category]
    DATE: ClassVar[Category]
    HEALTH_TEXT: ClassVar[Category]
    FREE_TEXT: ClassVar[Category]
    PRACTITIONER_ID: ClassVar[Category]
    FINESS: ClassVar[Category]
    INSURER_ID: ClassVar[Category]
    LOGIN: ClassVar[Category]
    PASSWORD: ClassVar[Category]
    PASSWORD_HASH: ClassVar[Category]
    IBAN: ClassVar[Category]
    RECORD_ID: ClassVar[Category]
    OTHER: ClassVar[Category]

    def __new__(cls, name: str) -> Category:
        if name not in cls._declared:
            DETECTORS.plugins()  # a plug-in declares its category when it is imported
        if name not in cls._declared:
            raise ValueError(f"{name!r} is not a declared category")
        return cls._declared[name]

    @classmethod
    def declare(
        cls,
        name: str,
        sensitivity: Sensitivity,
        covers: str,
        advice: str = "",
        *,
        strength: float = 0.5,
    ) -> Category:
        """The category ``name``, declared now; declaring it again the same way is harmless.

        ``covers`` and ``advice`` are the words reports use where sceau's catalogues have none
        (a plug-in's category): what it covers, and what to do with such a column.
        ``strength`` (0 to 1) is how far a column whose values match the category's detectors
        is taken for it against its header: 1 for a checksummed number (NIR, IBAN), under 0.5
        for a mere shape that other data share.
        """
        if not _CATEGORY_NAME.fullmatch(name):
            raise DetectError(
                f"the category name {name!r} is not upper-case letters, digits and underscores",
                hint="name it like NIR or BLOOD_GROUP",
            )
        known = cls._declared.get(name)
        if known is not None:
            if (known.sensitivity, known.covers, known.strength) != (sensitivity, covers, strength):
                raise DetectError(
                    f"the category {name} is declared twice, differently",
                    hint="declare it once, in the detector's module, and import it elsewhere",
                )
            return known
        category = str.__new__(cls, name)
        category.sensitivity = Sensitivity(sensitivity)
        category.covers = covers
        if not 0.0 <= strength <= 1.0:
            raise DetectError(
                f"the category {name} is declared with a strength outside 0 to 1",
                hint="1 for values that prove the category, 0.5 when unsure",
            )
        category.strength = strength
        cls._declared[name] = category
        add_words(f"category.{name}.name", covers)
        add_words(f"category.{name}.advice", advice or _ADVICE[category.sensitivity])
        return category

    @property
    def value(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Category.{self}"


_CATEGORY_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_ADVICE = {
    Sensitivity.SPECIAL: "Special-category data: move it only where the mandate names it, "
    "encrypted or pseudonymised.",
    Sensitivity.IDENTIFIER: "Move it only where the mandate names it, pseudonymised.",
    Sensitivity.CREDENTIAL: "Never move it in clear: drop it, or re-hash it on the way.",
    Sensitivity.PERSONAL: "Move it only where the mandate names it, minimised where it can be.",
    Sensitivity.NONE: "Not personal data.",
}

# sceau's own categories: name, sensitivity, what it covers (docs/categories.md says more), and
# how far a column's values matching its detectors can be trusted, against a header's word
_SCEAU_CATEGORIES = (
    ("NIR", Sensitivity.IDENTIFIER, "a French social-security number (NIR)", 1.0),
    ("INS", Sensitivity.IDENTIFIER, "a national health identifier (INS)", 0.5),
    (
        "PERSON_NAME",
        Sensitivity.PERSONAL,
        "names of people: surnames, first names, full names",
        0.8,
    ),
    ("SEX", Sensitivity.PERSONAL, "sex or civility codes", 0.7),
    ("ADDRESS", Sensitivity.PERSONAL, "street addresses", 0.9),
    ("POSTCODE", Sensitivity.PERSONAL, "French postcodes", 0.7),
    ("CITY", Sensitivity.PERSONAL, "commune and city names", 0.85),
    ("PHONE", Sensitivity.PERSONAL, "phone numbers", 0.95),
    ("EMAIL", Sensitivity.PERSONAL, "e-mail addresses", 1.0),
    ("BIRTH_DATE", Sensitivity.PERSONAL, "dates of birth", 0.5),
    ("DATE", Sensitivity.PERSONAL, "dates of a patient's record (visit, sampling, result)", 0.9),
    ("HEALTH_TEXT", Sensitivity.SPECIAL, "free text that mentions health data", 0.5),
    ("FREE_TEXT", Sensitivity.PERSONAL, "free text (comments, notes)", 0.5),
    ("PRACTITIONER_ID", Sensitivity.PERSONAL, "practitioners' identifiers (RPPS, ADELI)", 0.85),
    ("FINESS", Sensitivity.NONE, "FINESS numbers of health establishments", 0.8),  # not a person
    ("INSURER_ID", Sensitivity.PERSONAL, "insurers' and third-party-payment identifiers", 0.4),
    ("LOGIN", Sensitivity.PERSONAL, "account names", 0.45),
    ("PASSWORD", Sensitivity.CREDENTIAL, "passwords stored in clear", 0.45),
    ("PASSWORD_HASH", Sensitivity.CREDENTIAL, "password hashes", 0.95),
    ("IBAN", Sensitivity.PERSONAL, "bank account numbers (IBAN)", 1.0),
    ("RECORD_ID", Sensitivity.PERSONAL, "internal record numbers that link to a person", 0.5),
    ("OTHER", Sensitivity.NONE, "data that is not personal", 0.5),
)
for _name, _sensitivity, _covers, _strength in _SCEAU_CATEGORIES:
    setattr(Category, _name, Category.declare(_name, _sensitivity, _covers, strength=_strength))


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
    # Header words (lower case, no accents) that name the category: how a plug-in's category
    # is read from a column's name; sceau's own categories are read from detect/vocabulary.py.
    header_words: ClassVar[tuple[str, ...]] = ()

    def normalise(self, values: pl.Expr) -> pl.Expr:
        """The form ``pattern`` and ``validate`` see: stripped by default."""
        return values.str.strip_chars()

    def validate(self, candidates: pl.Expr) -> pl.Expr:  # noqa: ARG002  (all valid by default)
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


def _check(cls: type[Detector]) -> None:
    for attribute in ("name", "category", "pattern"):
        if not hasattr(cls, attribute):
            raise DetectError(
                f"detector {cls.__name__} does not declare `{attribute}`",
                hint="see docs/plugins.md for what a detector declares",
                where=cls.__module__,
            )
    if not isinstance(cls.category, Category):
        raise DetectError(
            f"detector {cls.name} names a category that was not declared",
            hint="declare it with Category.declare(NAME, sensitivity, covers) (docs/plugins.md)",
            where=cls.__module__,
        )


DETECTORS: Registry[type[Detector]] = Registry(
    "sceau.detectors", "detector", name_of=lambda cls: cls.name, check=_check
)


def registered() -> Iterator[Detector]:
    """One instance of every detector, sceau's own first (see :mod:`sceau.plugins`)."""
    for cls in DETECTORS.values():
        yield cls()
