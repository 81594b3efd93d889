"""The impact of a file that turned up: how many distinct people it concerns, in total and per
controller (FINESS), by category, the time span of its records, and the mandates, runs and
recipients of the readings named as its sources.

The notifications a breach calls for (GDPR art. 33 and 34, the lab's report to its health
agency) take their numbers from here, so every figure counts *people*, over every row:

- a person is known by the NIR (or INS) of the row; where it has none, by name and birth date;
  where it has neither, the row counts as one person of its own (an upper bound, said so);
- a person's controller is the lab (FINESS) of the recorded readings that hold the row: sceau's
  own records come first; a FINESS column of the file tells only for rows no reading with a
  FINESS holds, and a row neither tells about has an unknown controller;
- a person counts in a category when one of their rows holds it: a national identifier, a
  health category (art. 9) mentioned about them in free text, a credential (login, password,
  password hash), contact details (address, phone, e-mail); a *minor* was born less than
  :data:`AGE_OF_MAJORITY` years before the day the file was traced (a birth year of two digits
  read as the latest such year not after that day: "59" is 1959, "12" is 2012).

Only 64-bit hashes of identities are held, in memory, for the length of the trace: the figures
are counts, FINESS numbers and the first and last day of the records, never a value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from sceau.dates import read_day
from sceau.detect.base import Category, ColumnFinding, Subject
from sceau.detect.health.terminology import BIT
from sceau.detect.population import Population
from sceau.trace.identity import MAX_COLUMNS, Kind, distinct_key, email_key, kind_of, phone_key
from sceau.trace.index import Record

AGE_OF_MAJORITY = 18
BY_ROW = "row"  # the basis of a table whose rows name nobody: each row one person
NATIONAL_IDENTIFIER = "national_identifier"
CREDENTIALS = "credentials"
CONTACT_DETAILS = "contact_details"
MINORS = "minors"
FLAGS = (NATIONAL_IDENTIFIER, CREDENTIALS, CONTACT_DETAILS, MINORS)
READING, FILE = "reading", "file"  # what told a person's controller
_PATIENT = frozenset({Subject.PATIENT, Subject.UNKNOWN})
_CREDENTIAL = frozenset({Category.LOGIN, Category.PASSWORD, Category.PASSWORD_HASH})


@dataclass(frozen=True)
class ImpactColumns:
    """The columns of a table that tell whom a row concerns and what it holds."""

    basis: str  # the scan's population basis (NIR, name and birth date), or BY_ROW
    birth_date: str | None
    dates: tuple[str, ...]  # the record's dates: visits, samples (never the birth date)
    credentials: tuple[str, ...]
    addresses: tuple[str, ...]
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    finess: str | None

    @classmethod
    def of(cls, findings: Sequence[ColumnFinding]) -> ImpactColumns:
        def named(categories: frozenset[Category], subjects: frozenset[Subject]) -> tuple[str, ...]:
            return tuple(
                f.name for f in findings if f.category in categories and f.subject in subjects
            )

        every = frozenset(Subject)
        basis = Population.of(findings).basis
        return cls(
            basis=basis.value if basis else BY_ROW,
            birth_date=next(iter(named(frozenset({Category.BIRTH_DATE}), _PATIENT)), None),
            dates=named(frozenset({Category.DATE}), _PATIENT),
            credentials=named(_CREDENTIAL, _PATIENT),
            addresses=named(frozenset({Category.ADDRESS}), _PATIENT),
            emails=named(frozenset({Category.EMAIL}), _PATIENT),
            phones=named(frozenset({Category.PHONE}), _PATIENT),
            finess=next(iter(named(frozenset({Category.FINESS}), every)), None),
        )


@dataclass
class TableImpact:
    """One table's rows, as hashes of people and what each row holds, batch by batch."""

    number: int  # the table's place in the trace: a person known by row only is per table
    columns: ImpactColumns
    as_of: date
    parts: list[pl.DataFrame] = field(default_factory=list)
    first: date | None = None
    last: date | None = None
    rows: int = 0

    def read(self, frame: pl.DataFrame, keys: pl.DataFrame, health: pl.Series) -> None:
        """Count one batch in; ``keys`` are its rows' identity keys (:mod:`.identity`),
        ``health`` the bits of the health categories its rows' free text mentions about the
        patient (the scan's own analysis: :class:`~sceau.detect.scan.RowReader`)."""
        c = self.columns
        ids = pl.DataFrame(
            [
                _first(keys, Kind.NIR.value, "_nir", frame.height),
                _first(keys, Kind.NAME_BIRTH.value, "_named", frame.height),
            ]
        )
        nir, named = pl.col("_nir"), pl.col("_named")
        row = pl.int_range(self.rows, self.rows + frame.height, dtype=pl.UInt32)
        alone = pl.concat_str([pl.lit(f"row|{self.number}|"), row.cast(pl.String)])
        person = pl.coalesce(pl.lit("nir|") + nir, pl.lit("name|") + named, alone)
        born = pl.lit(None, pl.Date)
        if c.birth_date:  # a two-digit year is the latest one not after the day of the trace
            pivot = self.as_of.year % 100
            ids = ids.with_columns(
                distinct_key(
                    frame[c.birth_date], lambda d: read_day(_as_text(d), pivot=pivot)
                ).alias("_born")
            )
            born = pl.col("_born")
        cutoff = _years_before(self.as_of, AGE_OF_MAJORITY)
        contact = (
            _any_filled(c.addresses)
            | _any_key(keys, Kind.EMAIL, email_key, c.emails)
            | _any_key(keys, Kind.PHONE, phone_key, c.phones)
        )
        facts = frame.hstack(ids).select(
            row.alias("row"),
            person.hash(seed=0).alias("person"),
            (nir.is_null() & named.is_null()).alias("by_row"),
            nir.is_not_null().alias(NATIONAL_IDENTIFIER),
            _any_filled(c.credentials).alias(CREDENTIALS),
            contact.alias(CONTACT_DETAILS),
            ((born > cutoff) & (born <= self.as_of)).fill_null(False).alias(MINORS),
            _finess(c.finess).alias("finess"),
        )
        self.parts.append(facts.with_columns(health.alias("health")))
        self._span(frame)
        self.rows += frame.height

    def _span(self, frame: pl.DataFrame) -> None:
        """The first and last day of the record's dates (each distinct cell read once)."""
        for name in self.columns.dates:
            days = frame[name].unique().to_frame("d").select(read_day(_as_text(pl.col("d"))))
            low, high = days.to_series().min(), days.to_series().max()
            if isinstance(low, date) and isinstance(high, date):
                self.first = min(low, self.first or low)
                self.last = max(high, self.last or high)

    def people(self, held: pl.DataFrame, records: dict[int, Record]) -> pl.DataFrame:
        """Every row's person, controller, what told it, and the flags, once the table is read;
        ``held`` are the (row, record) pairs of the readings named as its sources."""
        if not self.parts:
            return _EMPTY
        facts = pl.concat(self.parts)
        labs = pl.DataFrame(
            {
                "record": list(records),
                "lab": [r.finess for r in records.values()],
            },
            schema={"record": pl.UInt32, "lab": pl.String},
        )
        by_reading = held.join(labs, on="record").drop_nulls("lab").select("row", "lab").unique()
        told = facts.join(by_reading, on="row", how="left")
        return told.select(
            "person",
            pl.coalesce("lab", "finess").alias("controller"),
            pl.when(pl.col("lab").is_not_null())
            .then(pl.lit(READING))
            .when(pl.col("finess").is_not_null())
            .then(pl.lit(FILE))
            .alias("told_by"),
            *FLAGS,
            "health",
            "by_row",
        )


_EMPTY = pl.DataFrame(
    schema={
        "person": pl.UInt64,
        "controller": pl.String,
        "told_by": pl.String,
        **dict.fromkeys(FLAGS, pl.Boolean),
        "health": pl.UInt16,
        "by_row": pl.Boolean,
    }
)


@dataclass(frozen=True)
class Impact:
    """Whom a file concerns: the figures a notification takes, and what they rest on."""

    as_of: date
    people: int
    by_row: int  # of them, rows that name nobody and count as one person each
    categories: dict[str, int]
    health: dict[str, int]
    controllers: list[dict[str, Any]]
    in_several: int  # people held by more than one controller, counted under each
    bases: tuple[str, ...]
    first: date | None
    last: date | None
    mandates: tuple[str, ...]
    runs: tuple[str, ...]
    recipients: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "people": self.people,
            "people_by_row": self.by_row,
            "bases": list(self.bases),
            "categories": self.categories,
            "health": self.health,
            "controllers": self.controllers,
            "people_in_several_controllers": self.in_several,
            "span": {
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None,
            },
            "mandates": list(self.mandates),
            "runs": list(self.runs),
            "recipients": list(self.recipients),
        }


def measure(
    tables: Sequence[tuple[TableImpact, pl.DataFrame]],
    sources: Sequence[Record],
    records: dict[int, Record],
    as_of: date,
) -> Impact:
    """The impact of the tables read, each with the (row, record) pairs of the readings named
    as its sources (``sources``, among every record of the index ``records``)."""
    rows = pl.concat([t.people(held, records) for t, held in tables] or [_EMPTY])
    rows = rows.with_columns(
        [((pl.col("health") & bit) != 0).alias(str(c)) for c, bit in BIT.items()]
    )
    health = [str(c) for c in BIT]
    flags = [*FLAGS, *health, "by_row"]
    people = rows.group_by("person").agg(pl.col(flags).any())
    totals = people.select(pl.col(flags).sum()).row(0, named=True) if people.height else {}
    per_person = rows.group_by("controller", "person").agg(pl.col(flags).any())
    told = rows.group_by("controller").agg(pl.col("told_by").drop_nulls().unique().sort())
    labs = (
        per_person.group_by("controller")
        .agg(pl.len().alias("people"), pl.col(flags).sum())
        .join(told, on="controller", nulls_equal=True)
        .sort("controller", nulls_last=True)
    )
    in_several = per_person.group_by("person").len().filter(pl.col("len") > 1).height
    firsts = [t.first for t, _ in tables if t.first]
    lasts = [t.last for t, _ in tables if t.last]
    return Impact(
        as_of=as_of,
        people=people.height,
        by_row=int(totals.get("by_row", 0)),
        categories={f: int(totals.get(f, 0)) for f in FLAGS},
        health={h: int(totals.get(h, 0)) for h in health if totals.get(h)},
        controllers=[
            {
                "finess": lab["controller"],
                "people": int(lab["people"]),
                "told_by": lab["told_by"],
                "categories": {f: int(lab[f]) for f in FLAGS},
                "health": {h: int(lab[h]) for h in health if lab[h]},
            }
            for lab in labs.iter_rows(named=True)
        ],
        in_several=in_several,
        bases=tuple(sorted({t.columns.basis for t, _ in tables})),
        first=min(firsts, default=None),
        last=max(lasts, default=None),
        mandates=_distinct(r.mandate_sha256 for r in sources),
        runs=_distinct(r.ref for r in sources if r.kind in ("run", "export")),
        recipients=_distinct(r.recipient for r in sources),
    )


def _distinct(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({v for v in values if v}))


def _first(keys: pl.DataFrame, column: str, name: str, rows: int) -> pl.Series:
    """The table's first key of a kind (the NIR of its first NIR column), or nulls."""
    if column in keys.columns:
        return keys[column].alias(name)
    return pl.Series(name, [None] * rows, dtype=pl.String)


def _text(name: str) -> pl.Expr:
    return _as_text(pl.col(name))


def _as_text(values: pl.Expr) -> pl.Expr:
    return values.cast(pl.String)


def _any_filled(names: Sequence[str]) -> pl.Expr:
    if not names:
        return pl.lit(False)
    return pl.any_horizontal([_text(n).str.strip_chars().fill_null("") != "" for n in names])


def _any_key(
    keys: pl.DataFrame, kind: Kind, key: Callable[[pl.Expr], pl.Expr], names: Sequence[str]
) -> pl.Expr:
    """Whether the row holds a valid identifier of ``kind``: read from its identity keys, which
    cover the first :data:`MAX_COLUMNS` columns of a kind, and from the others' own keys."""
    held = [pl.lit(keys[n].is_not_null()) for n in keys.columns if kind_of(n) is kind]
    rest = [key(pl.col(n)).is_not_null() for n in names[MAX_COLUMNS:]]
    return pl.any_horizontal([pl.lit(False), *held, *rest])


def _finess(name: str | None) -> pl.Expr:
    if name is None:
        return pl.lit(None, pl.String)
    lab = _text(name).str.strip_chars().str.to_uppercase()
    return pl.when(lab != "").then(lab)


def _years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (the 29th of February gives the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
