"""Who a row is about, in one canonical form per kind of identifier, so that the same patient
read from a reformatted, re-encoded or reordered copy of a file gives the same key.

Four kinds, each of which alone names a person (the index keeps each): the NIR (its 13 digits
without the key, Corsica's 2A/2B kept as written); the name and birth date (the patient's name
words, accents and case folded, sorted — so "DUPONT Jean-Marc" in one column and "Dupont" / "jean
marc" in two give the same words — then the ISO day); the e-mail address (trimmed, lower case);
the phone number (its ten national digits, whatever the grouping or a +33 prefix).
A value that gives no canonical form (blank, malformed) gives null: it matches nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from sceau.dates import read_day
from sceau.detect.base import Category, ColumnFinding, Subject

_PATIENT = frozenset({Subject.PATIENT, Subject.UNKNOWN})


class Kind(StrEnum):
    """An identifier that names one person on its own."""

    NIR = "nir"
    NAME_BIRTH = "name_birth"
    EMAIL = "email"
    PHONE = "phone"


@dataclass(frozen=True)
class IdentityColumns:
    """Which columns of a table hold the patient's identifiers (any may be missing)."""

    nir: str | None = None
    names: tuple[str, ...] = ()  # surname, first names: every column of the patient's name
    birth_date: str | None = None
    email: str | None = None
    phone: str | None = None

    @classmethod
    def of(cls, findings: Sequence[ColumnFinding]) -> IdentityColumns:
        """The patient's identifier columns among a scan's findings: the first of each kind,
        and every column of the patient's name (a practitioner's or sampler's never)."""

        def named(*categories: Category) -> list[str]:
            return [f.name for f in findings if f.category in categories and f.subject in _PATIENT]

        def first(*categories: Category) -> str | None:
            return next(iter(named(*categories)), None)

        return cls(
            nir=first(Category.NIR, Category.INS),
            names=tuple(named(Category.PERSON_NAME)),
            birth_date=first(Category.BIRTH_DATE),
            email=first(Category.EMAIL),
            phone=first(Category.PHONE),
        )

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """The kinds of key this table can give."""
        found = []
        if self.nir:
            found.append(Kind.NIR)
        if self.names and self.birth_date:
            found.append(Kind.NAME_BIRTH)
        if self.email:
            found.append(Kind.EMAIL)
        if self.phone:
            found.append(Kind.PHONE)
        return tuple(found)


_NIR = r"^[1-478][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{6}(?:[0-9]{2})?$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def identity_keys(frame: pl.DataFrame, columns: IdentityColumns) -> pl.DataFrame:
    """One column per kind ``columns`` can give, each row's canonical key (null: none)."""
    expressions = []
    if columns.nir:
        expressions.append(nir_key(pl.col(columns.nir)).alias(Kind.NIR))
    if columns.names and columns.birth_date:
        name = name_words(*(pl.col(c) for c in columns.names))
        day = read_day(_text(pl.col(columns.birth_date)), pivot=None).dt.strftime("%Y-%m-%d")
        expressions.append(
            pl.when(name.is_not_null() & day.is_not_null())
            .then(pl.concat_str([name, day], separator="|"))
            .alias(Kind.NAME_BIRTH)
        )
    if columns.email:
        expressions.append(email_key(pl.col(columns.email)).alias(Kind.EMAIL))
    if columns.phone:
        expressions.append(phone_key(pl.col(columns.phone)).alias(Kind.PHONE))
    return frame.select(expressions)


def nir_key(values: pl.Expr) -> pl.Expr:
    """The NIR's 13 characters before its key, in upper case, separators gone."""
    compact = _text(values).str.replace_all(r"[\s.\-]", "").str.to_uppercase()
    return pl.when(compact.str.contains(_NIR)).then(compact.str.slice(0, 13))


def name_words(*columns: pl.Expr) -> pl.Expr:
    """The words of a name over ``columns``: accents and case folded, every other sign a
    space, the words sorted and joined by one space; null when there is none."""
    joined = pl.concat_str([_text(c).fill_null("") for c in columns], separator=" ")
    folded = (
        joined.str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.to_lowercase()
        .str.replace_all(r"[^\p{L}]+", " ")
        .str.strip_chars()
    )
    words = folded.str.split(" ").list.eval(pl.element().filter(pl.element() != "").sort())
    text = words.list.join(" ")
    return pl.when(text != "").then(text)


def email_key(values: pl.Expr) -> pl.Expr:
    """The address trimmed and in lower case, if it has the shape of one."""
    text = _text(values).str.strip_chars().str.to_lowercase()
    return pl.when(text.str.contains(_EMAIL)).then(text)


def phone_key(values: pl.Expr) -> pl.Expr:
    """The ten national digits of a French number (``+33 6 ...``, ``0033 6...``, ``06 ...``
    all give ``06...``); other numbers keep their digits; null under eight digits."""
    digits = _text(values).str.replace_all(r"\(0\)", "").str.replace_all(r"[^0-9]", "")
    # +33, 0033 or the leading 0 a number cell lost: the same ten digits
    national = digits.str.replace(r"^(?:0033|33|0)?([1-9][0-9]{8})$", "0${1}")
    return pl.when(national.str.len_chars() >= 8).then(national)


def _text(values: pl.Expr) -> pl.Expr:
    """Any column as text (a Parquet copy may hold numbers or dates where a CSV held text)."""
    return values.cast(pl.String)
