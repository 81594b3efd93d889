"""Who a row is about, in one canonical form per kind of identifier, so that the same patient
read from a reformatted, re-encoded or reordered copy of a file gives the same key.

Four kinds (the index keeps each): the NIR (its 13 characters without the key, Corsica's 2A/2B
kept); the name and birth date (the patient's name words, accents and case folded, sorted — so
"DUPONT Jean-Marc" in one column and "Dupont" / "jean marc" in two give the same words — then the
ISO day; a name in three columns gives one key for all of them and one per pair, so a copy that
dropped the birth name still shares one); the e-mail address (trimmed, lower case); the phone
number (its ten national digits, whatever the grouping or a +33 prefix). Every patient's column
of a kind gives its own key (the home phone and the mobile). A value that gives no canonical
form (blank, malformed) gives null: it matches nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import combinations

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

    nirs: tuple[str, ...] = ()  # NIR, INS
    names: tuple[str, ...] = ()  # usual name, birth name, first names: every column of it
    birth_date: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()  # home, mobile

    @classmethod
    def of(cls, findings: Sequence[ColumnFinding]) -> IdentityColumns:
        """The patient's identifier columns among a scan's findings (a practitioner's, a
        sampler's or an insurer's never)."""

        def named(*categories: Category) -> tuple[str, ...]:
            return tuple(
                f.name for f in findings if f.category in categories and f.subject in _PATIENT
            )

        return cls(
            nirs=named(Category.NIR, Category.INS),
            names=named(Category.PERSON_NAME),
            birth_date=next(iter(named(Category.BIRTH_DATE)), None),
            emails=named(Category.EMAIL),
            phones=named(Category.PHONE),
        )

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """The kinds of key this table can give."""
        held = {
            Kind.NIR: self.nirs,
            Kind.NAME_BIRTH: self.names if self.birth_date else (),
            Kind.EMAIL: self.emails,
            Kind.PHONE: self.phones,
        }
        return tuple(kind for kind, columns in held.items() if columns)


SPLIT = "#"  # phone, phone#1, ...: one kind, several keys per row
MAX_COLUMNS = 4  # of one kind: a name in more columns keeps its first four
_NIR = r"^[1-478][0-9]{4}(?:[0-9]{2}|2[AB])[0-9]{6}(?:[0-9]{2})?$"
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def identity_keys(frame: pl.DataFrame, columns: IdentityColumns) -> pl.DataFrame:
    """Each row's canonical keys (null: none), in columns named after their kind
    (:func:`kind_of`): one per identifier column, and for the name and birth date one per set
    of name columns (all of them, then each pair).

    The same keys as :func:`nir_key`, :func:`name_words`, :func:`email_key` and
    :func:`phone_key` give row by row; names and birth dates repeat, so each of their columns is
    folded or read once per distinct value, and the name words of a set of columns are the
    folded columns' words together."""
    keys: list[tuple[Kind, pl.Expr]] = []
    keys += [(Kind.NIR, nir_key(pl.col(c))) for c in columns.nirs[:MAX_COLUMNS]]
    work = frame
    if columns.names and columns.birth_date:
        sets = _name_sets(columns.names)
        day = distinct_key(frame[columns.birth_date], _iso_day)
        work = frame.with_columns(
            distinct_key(frame[c], _folded).alias(_FOLDED + c) for c in sets[0]
        ).with_columns(day.alias(_DAY))
        for chosen in sets:
            name = _joined_words([pl.col(_FOLDED + c) for c in chosen])
            both = pl.concat_str([name, pl.col(_DAY)], separator="|")  # null if either is
            keys.append((Kind.NAME_BIRTH, both))
    keys += [(Kind.EMAIL, email_key(pl.col(c))) for c in columns.emails[:MAX_COLUMNS]]
    keys += [(Kind.PHONE, phone_key(pl.col(c))) for c in columns.phones[:MAX_COLUMNS]]
    seen: dict[Kind, int] = {}
    named = []
    for kind, expression in keys:
        number = seen.get(kind, 0)
        seen[kind] = number + 1
        named.append(expression.alias(f"{kind}{SPLIT}{number}" if number else kind.value))
    return work.select(named)


_FOLDED, _DAY = "\x00folded\x00", "\x00day"  # working columns no file's header can name


def distinct_key(values: pl.Series, key: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """``key`` of each value, computed once per distinct value (null stays null): names and
    dates repeat, and mapping a value back costs less than folding or parsing it again."""
    distinct = values.drop_nulls().unique()
    keyed = distinct.to_frame("v").select(key(pl.col("v"))).to_series()
    return values.replace_strict(distinct, keyed, default=None, return_dtype=keyed.dtype)


def _iso_day(values: pl.Expr) -> pl.Expr:
    return read_day(_text(values), pivot=None).dt.strftime("%Y-%m-%d")


def _joined_words(folded: list[pl.Expr]) -> pl.Expr:
    """The sorted words of several folded names (:func:`_folded`), null when there is none: the
    same words :func:`name_words` gives of the columns they were folded from (a space between
    two columns, which the fold would put there, is what separates their words)."""
    joined = pl.concat_str(folded, separator=" ", ignore_nulls=True)
    text = joined.str.split(" ").list.sort().list.join(" ")  # computed once: not in the test
    return pl.when(pl.any_horizontal([f.is_not_null() for f in folded])).then(text)


def kind_of(column: str) -> Kind:
    """The kind of key a column of :func:`identity_keys` holds."""
    return Kind(column.split(SPLIT, 1)[0])


def _name_sets(names: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every name column together, then each pair of them: a copy that kept the usual name and
    first names but dropped the maiden name still gives one key the original gave."""
    chosen = names[:MAX_COLUMNS]
    pairs = list(combinations(chosen, 2)) if len(chosen) > 2 else []
    return [chosen, *pairs]


def nir_key(values: pl.Expr) -> pl.Expr:
    """The NIR's 13 characters before its key, in upper case, separators gone."""
    compact = _text(values).str.replace_all(r"[\s.\-]", "").str.to_uppercase()
    return pl.when(compact.str.contains(_NIR)).then(compact.str.slice(0, 13))


def name_words(*columns: pl.Expr) -> pl.Expr:
    """The words of a name over ``columns``: accents and case folded, every other sign a
    space, the words sorted and joined by one space; null when there is none."""
    joined = pl.concat_str([_text(c).fill_null("") for c in columns], separator=" ")
    words = (
        _folded(joined)
        .fill_null("")
        .str.split(" ")
        .list.eval(pl.element().filter(pl.element() != "").sort())
    )
    text = words.list.join(" ")
    return pl.when(text != "").then(text)


def _folded(values: pl.Expr) -> pl.Expr:
    """A name's words, accents and case folded, one space between two (null: no letter)."""
    folded = (
        _text(values)
        .str.normalize("NFKD")
        .str.replace_all(r"\p{Mn}", "")
        .str.to_lowercase()
        .str.replace_all(r"[^\p{L}]+", " ")
        .str.strip_chars()
    )
    return pl.when(folded != "").then(folded)


def email_key(values: pl.Expr) -> pl.Expr:
    """The address trimmed and in lower case, if it has the shape of one."""
    text = _text(values).str.strip_chars().str.to_lowercase()
    return pl.when(text.str.contains(_EMAIL)).then(text)


def phone_key(values: pl.Expr) -> pl.Expr:
    """The ten national digits of a French number (``+33 6 ...``, ``0033 6...``, ``06 ...``
    all give ``06...``); other numbers keep their digits; null under eight digits."""
    digits = _text(values).str.replace_all(r"\(0\)|[^0-9]", "")  # one pass: "(0)", then signs
    # +33, 0033 or the leading 0 a number cell lost: the same ten digits
    national = digits.str.replace(r"^(?:0033|33|0)?([1-9][0-9]{8})$", "0${1}")
    return pl.when(national.str.len_chars() >= 8).then(national)


def _text(values: pl.Expr) -> pl.Expr:
    """Any column as text (a Parquet copy may hold numbers or dates where a CSV held text)."""
    return values.cast(pl.String)
