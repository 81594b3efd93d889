"""Who is in a table: how many distinct patients, and how many labs (FINESS).

The first figure a DPO is asked after a leak, and the first a regulator's form wants (GDPR
art. 33(3)(a): "approximate number of data subjects"). Patients are told apart by NIR where the
table has one; else by name and date of birth; else the scan says it cannot tell. Labs are the
distinct FINESS numbers. Only 64-bit hashes of identities are kept, in memory, for the length of
the scan: nothing is written, and the counts are exact up to hash collisions (about one in 10^9
for a million patients).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl

from sceau.detect.base import Category, ColumnFinding, Subject
from sceau.detect.identifiers._arith import fold

_PATIENT = frozenset({Subject.PATIENT, Subject.UNKNOWN})
_SEPARATORS = r"[\s.\-]"
_MERGE_ROWS = 1 << 20  # hashes held before a merge: 8 MiB


class Basis(StrEnum):
    """What tells two patients apart in a table."""

    NIR = "NIR"
    NAME_AND_BIRTH_DATE = "name and birth date"


@dataclass
class Population:
    """Distinct patients and labs over the batches of one table."""

    basis: Basis | None
    identity: list[str]  # the columns whose values make one patient's identity
    labs_from: list[str]  # FINESS columns
    hashes: pl.Series = field(default_factory=lambda: pl.Series("k", [], dtype=pl.UInt64))
    pending: list[pl.Series] = field(default_factory=list)  # batches' hashes, not yet merged
    labs: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, findings: Sequence[ColumnFinding]) -> Population:
        """Choose the identity columns from the classified columns."""

        def named(*categories: Category) -> list[str]:
            return [f.name for f in findings if f.category in categories and f.subject in _PATIENT]

        labs = [f.name for f in findings if f.category is Category.FINESS]
        nir = named(Category.NIR, Category.INS)
        if nir:
            return cls(Basis.NIR, nir[:1], labs)
        names, births = named(Category.PERSON_NAME), named(Category.BIRTH_DATE)
        if names and births:
            return cls(Basis.NAME_AND_BIRTH_DATE, [*names, births[0]], labs)
        return cls(None, [], labs)

    def add(self, frame: pl.DataFrame) -> None:
        """Count one batch in."""
        self.take(pl.collect_all(self.queries(frame)))

    def queries(self, frame: pl.DataFrame) -> list[pl.LazyFrame]:
        """What one batch adds, as queries a caller may run with its own (:meth:`take` them)."""
        found = []
        if self.identity:
            parts = [self._normalised(name) for name in self.identity]
            keys = pl.concat_str(parts, separator="\x1f") if len(parts) > 1 else parts[0]
            found.append(
                frame.lazy()
                .select(keys.alias("k"))
                .filter(pl.col("k").is_not_null() & (pl.col("k").str.strip_chars("\x1f") != ""))
                .select(pl.col("k").hash(seed=0).unique())
            )
        for name in self.labs_from:
            lab = pl.col(name).cast(pl.String).str.strip_chars().str.to_uppercase()
            found.append(frame.lazy().select(lab).filter(lab.is_not_null() & (lab != "")).unique())
        return found

    def take(self, results: list[pl.DataFrame]) -> None:
        """Count in the results of :meth:`queries`, in their order."""
        if self.identity:
            self.pending.append(results[0].to_series())
            if sum(batch.len() for batch in self.pending) > max(_MERGE_ROWS, self.hashes.len()):
                self._merge()
        for labs in results[1:] if self.identity else results:
            self.labs.update(labs.to_series().to_list())

    @property
    def patients(self) -> int | None:
        if self.basis is None:
            return None
        self._merge()
        return self.hashes.len()

    def _merge(self) -> None:
        """Fold the batches' hashes into the distinct set: a hash-based unique, not a sort, and
        only when the pending hashes outnumber the set, so each hash is merged a few times."""
        if self.pending:
            self.hashes = pl.concat([self.hashes, *self.pending]).unique()
            self.pending = []

    def _normalised(self, name: str) -> pl.Expr:
        column = pl.col(name).cast(pl.String)
        if self.basis is Basis.NIR:
            return column.str.replace_all(_SEPARATORS, "").str.to_uppercase()
        return fold(column).str.replace_all(r"[\s\-']+", " ")
