"""The plan of a run, and the one pure stage the pipeline applies to every source batch:
keep only the columns and rows the mandate names, then protect them.

Deny by default happens here, first: a column the mandate does not move is not even selected,
so it never reaches the transforms, the staging or the target.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from sceau.detect.freetext import count_embedded
from sceau.mandate.model import ColumnRule, Mandate, MandateError
from sceau.mandate.policy import check_text
from sceau.mandate.scope import scope_filter
from sceau.protect.apply import ProtectKeys, apply_rules
from sceau.sources.frames import frame_of


@dataclass(frozen=True)
class Plan:
    mandate: Mandate
    mandate_sha256: str
    keys: ProtectKeys
    watched: tuple[str, ...] = ()  # free text moved as is: every row checked for identifiers

    @property
    def rules(self) -> tuple[ColumnRule, ...]:
        return self.mandate.moved

    @property
    def read_columns(self) -> list[str]:
        """The source columns the stage reads: those moved and those the row scope tests."""
        wanted = [rule.source for rule in self.rules]
        wanted += [c.column for c in self.mandate.rows if c.column not in wanted]
        return wanted

    @property
    def context(self) -> str:
        return f"mandate={self.mandate.mandate_id}"

    @property
    def target_schema(self) -> pa.Schema:
        return pa.schema([(name, pa.string()) for name in self.mandate.target_columns])


def stage_batch(batch: pa.RecordBatch, plan: Plan) -> tuple[pa.RecordBatch, int]:
    """The batch as the target will hold it, and how many of its rows the scope refused."""
    missing = [name for name in plan.read_columns if name not in batch.schema.names]
    if missing:
        raise MandateError(
            "a column the mandate names is missing from the source",
            hint="the source changed since the mandate was signed; ask the controller",
            where=f"source column {missing[0]}",
        )
    frame = frame_of(batch.select(plan.read_columns)).with_columns(pl.all().cast(pl.String))
    in_scope = frame.filter(scope_filter(plan.mandate.rows))
    for rule in plan.mandate.columns:
        if rule.source in plan.watched:
            where = f"mandate {plan.mandate.mandate_id}: extraction"
            check_text(rule, count_embedded(in_scope[rule.source]), where)
    protected = apply_rules(in_scope, plan.rules, plan.keys, context=plan.context)
    table = protected.to_arrow().cast(plan.target_schema).combine_chunks()
    batches = table.to_batches()
    staged = batches[0] if batches else pa.RecordBatch.from_pylist([], schema=plan.target_schema)
    return staged, frame.height - in_scope.height
