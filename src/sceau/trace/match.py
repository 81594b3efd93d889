"""Matching a file that turned up against the index: which recorded readings hold its people,
and how much of the file each explains.

A leaked row *matches* a record when the record holds its NIR, or its name and birth date, or
both its e-mail and its phone: an e-mail or a phone alone is shared too often (a family's
landline, a shared mailbox) to name a person. A record is *named* when it matches at least
:data:`MIN_ROWS` rows and :data:`MIN_SHARE` of the file; the records named are chosen greedily,
each for the rows the ones before it did not explain, so a file merged from two exports names
both, and a person present in many readings does not make them all look like sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from sceau.detect.base import ColumnFinding
from sceau.detect.report import TableScan
from sceau.trace.fingerprint import fingerprints
from sceau.trace.identity import SPLIT, IdentityColumns, Kind, identity_keys
from sceau.trace.impact import ImpactColumns, TableImpact
from sceau.trace.index import Record, TraceIndex

MIN_ROWS = 5  # a record explaining fewer rows of a file is not named as its source
MIN_SHARE = 0.02  # nor one explaining less than 2% of it
_STRONG = (Kind.NIR.value, Kind.NAME_BIRTH.value)
_CONTACT = {Kind.EMAIL.value, Kind.PHONE.value}


@dataclass(frozen=True)
class Explained:
    """One record named as a source of a table of the file."""

    record: Record
    rows: int  # the file's rows this record holds
    new_rows: int  # of those, the rows no record named before it explained
    by_kind: dict[str, int]  # rows matched through each kind of identifier


@dataclass
class TableTrace:
    """What one table of the file matched."""

    table: str
    rows: int
    kinds: tuple[Kind, ...]  # the identifiers the table holds
    sources: list[Explained] = field(default_factory=list)
    # readings holding enough of its rows to be named, but none the sources did not explain
    # (a run that read the same export a scan read): where else these people were read
    also: list[Explained] = field(default_factory=list)
    matched: int = 0  # rows held by at least one named source
    candidates: int = 0  # records that matched some rows, named or not
    held: pl.DataFrame = field(  # (row, record) of the named records: the impact's controllers
        default_factory=lambda: pl.DataFrame(schema={"row": pl.UInt32, "record": pl.UInt32})
    )

    @property
    def unmatched(self) -> int:
        return self.rows - self.matched


@dataclass
class Tracing:
    """The scan's :class:`~sceau.detect.scan.ReadAlong` for a file that turned up: each table's
    fingerprints, matched against ``index`` once the table is read, and its rows counted for
    the impact (:mod:`sceau.trace.impact`) as of the day ``as_of``."""

    index: TraceIndex
    secret: bytes = field(repr=False)
    as_of: date = field(default_factory=date.today)
    tables: list[TableTrace] = field(default_factory=list)
    impacts: list[tuple[TableImpact, pl.DataFrame]] = field(default_factory=list)

    def __call__(self, table: str, findings: Sequence[ColumnFinding]) -> TableLookup:
        impact = TableImpact(len(self.tables), ImpactColumns.of(findings), self.as_of)
        return TableLookup(self, table, IdentityColumns.of(findings), impact)


@dataclass
class TableLookup:
    """One table of the file, batch by batch; matched when it has been read whole."""

    owner: Tracing
    table: str
    columns: IdentityColumns
    impact: TableImpact
    parts: list[pl.DataFrame] = field(default_factory=list)

    def read(self, frame: pl.DataFrame, health: pl.Series) -> None:
        keys = identity_keys(frame, self.columns)
        if self.columns.kinds:
            self.parts.append(fingerprints(keys, self.owner.secret))
        self.impact.read(frame, keys, health)

    def done(self, table: TableScan) -> None:
        traced = TableTrace(self.table, table.rows, self.columns.kinds)
        if self.parts:
            found = self.owner.index.lookup(pl.concat(self.parts))
            explain(traced, found, self.owner.index.records())
        self.owner.tables.append(traced)
        self.owner.impacts.append((self.impact, traced.held))


def explain(traced: TableTrace, found: pl.DataFrame, records: dict[int, Record]) -> None:
    """Fill ``traced`` from the index's answer ``found`` (row, record, kind): the rows each
    record matches, the records named, greedily, and those holding as many of its people that
    explain none the named ones did not."""
    by_row = found.group_by("row", "record").agg(pl.col("kind"))
    strong = pl.col("kind").list.eval(pl.element().is_in(_STRONG)).list.any()
    contacts = pl.col("kind").list.set_intersection(pl.lit(sorted(_CONTACT))).list.len()
    matches = by_row.filter(strong | (contacts >= len(_CONTACT)))
    traced.candidates = matches["record"].n_unique()
    rows_of = {
        int(number): set(group["row"].to_list()) for (number,), group in matches.group_by("record")
    }
    explained: set[int] = set()
    floor = max(MIN_ROWS, int(MIN_SHARE * traced.rows + 0.999999))
    held_by = dict(rows_of)
    while rows_of:
        number = max(rows_of, key=lambda n: (len(rows_of[n] - explained), -n))
        held = rows_of.pop(number)
        new = held - explained
        if len(new) < floor:
            break
        traced.sources.append(_explained(matches, records, number, held, len(new)))
        explained |= held
    traced.matched = len(explained)
    named = [s.record.record_id for s in traced.sources]
    traced.also = [
        _explained(matches, records, number, held, 0)
        for number, held in sorted(held_by.items(), key=lambda item: (-len(item[1]), item[0]))
        if number not in named and len(held) >= floor
    ]
    traced.held = matches.filter(pl.col("record").is_in(named)).select("row", "record")


def _explained(
    matches: pl.DataFrame, records: dict[int, Record], number: int, held: set[int], new: int
) -> Explained:
    """Record ``number`` as the report states it: the rows it holds, through which kinds."""
    kinds = (  # a kind's several keys (name_birth, name_birth#1) are one way to match
        matches.filter(pl.col("record") == number)
        .explode("kind")
        .with_columns(pl.col("kind").str.split(SPLIT).list.first())
        .unique(["row", "kind"])
    )
    return Explained(
        record=records[number],
        rows=len(held),
        new_rows=new,
        by_kind={str(kind): int(n) for kind, n in kinds.group_by("kind").agg(pl.len()).iter_rows()},
    )
