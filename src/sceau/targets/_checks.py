"""What every target checks before it writes: run ids, batch numbers, column names, batches.

Messages name columns, run ids and batch numbers (the mandate's and the pipeline's words),
never a cell's value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeGuard

import pyarrow as pa
import pyarrow.compute as pc

from sceau.targets.base import TargetError, TargetTable

CHECKPOINTS = "sceau_checkpoints"  # the databases' record of loaded batches
MAX_BATCH = 2**31 - 1  # the checkpoint tables' batch column is a 32-bit integer
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


def check_run_id(run_id: str, where: str) -> None:
    """Run ids go into file names and key columns: a short, plain word."""
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise TargetError(
            "this run id cannot name a checkpoint",
            hint="a run id is 1 to 128 letters, digits, '_', '.' or '-', starting with a "
            "letter or digit",
            where=where,
        )


def check_batch_no(batch_no: int, where: str) -> None:
    if (
        isinstance(batch_no, bool)
        or not isinstance(batch_no, int)
        or not 0 <= batch_no <= MAX_BATCH
    ):
        raise TargetError(
            "a batch number must be an integer from 0 to 2,147,483,647",
            hint="this is a bug in the caller: number batches 0, 1, 2, ...",
            where=where,
        )


def check_names(
    table: TargetTable,
    where: str,
    *,
    valid: Callable[[str], str | None] = lambda _name: None,
    fold: Callable[[str], str] = str,
) -> None:
    """Refuse an empty column list, empty or repeated names, NUL, and what ``valid`` refuses.

    ``valid(name)`` returns why a name cannot be used, or None; ``fold`` says which names the
    target takes for the same (MariaDB and SQLite ignore case).
    """
    for name in (table.name, *table.columns):
        reason = "it is empty" if not name else "it holds a NUL character" if "\0" in name else None
        reason = reason or valid(name)
        if reason:
            kind = "table" if name == table.name else "column"
            raise TargetError(
                f"the {kind} name {name!r} cannot be used here: {reason}",
                hint="rename it in the mandate's target table",
                where=where,
            )
    if table.name == CHECKPOINTS:
        raise TargetError(
            f"{CHECKPOINTS} is sceau's own table",
            hint="choose another target table name",
            where=where,
        )
    if not table.columns:
        raise TargetError(
            "the target table has no columns",
            hint="name at least one column in the mandate's target table",
            where=where,
        )
    seen: dict[str, str] = {}
    for name in table.columns:
        if fold(name) in seen:
            raise TargetError(
                f"the columns {seen[fold(name)]!r} and {name!r} would be the same column here",
                hint="give every target column a distinct name",
                where=where,
            )
        seen[fold(name)] = name


def text_columns(batch: pa.RecordBatch, table: TargetTable, where: str) -> list[pa.Array[Any]]:
    """The batch's columns as ``pa.string()`` arrays, after checking they are the table's."""
    if batch.schema.names != list(table.columns):
        raise TargetError(
            "the batch's columns are not the target table's",
            hint="this is a bug in the caller: a batch carries the table's columns, in order",
            where=where,
        )
    columns: list[pa.Array[Any]] = []
    for name, column in zip(table.columns, batch.columns, strict=True):
        kind = column.type
        if kind == pa.string():
            columns.append(column)
        elif pa.types.is_large_string(kind) or pa.types.is_string_view(kind) or kind == pa.null():
            columns.append(column.cast(pa.string()))
        else:
            raise TargetError(
                f"the column {name!r} is not text",
                hint="every target column is text: cast the values before loading",
                where=where,
            )
    return columns


def string_batch(names: Iterable[str], columns: Iterable[Sequence[str | None]]) -> pa.RecordBatch:
    """A batch of string columns from lists of values (None for null)."""
    names = list(names)
    arrays = [pa.array(values, pa.string()) for values in columns]
    return pa.RecordBatch.from_arrays(arrays, names=names)


def rows_of(columns: list[pa.Array[Any]]) -> list[tuple[str | None, ...]]:
    """Row tuples for drivers that bind rows (SQLite)."""
    return list(zip(*(column.to_pylist() for column in columns), strict=True))


def join_text(*parts: pa.Array[Any] | str) -> pa.StringArray:
    """``pc.binary_join_element_wise`` of string arrays and str scalars, per row: the parts
    before the last, separated by the last."""
    joined = pc.binary_join_element_wise(*parts)  # type: ignore[type-var]  # pyarrow-stubs: str scalars mix with arrays
    if not isinstance(joined, pa.StringArray):  # string arrays in, a string array out
        raise TypeError(f"joining text gave {type(joined).__name__}, not a string array")
    return joined


def texts(column: pa.StringArray) -> list[str]:
    """The values of a text column built to hold no null, ready for ``str.join``."""
    values = column.to_pylist()
    if not _no_null(values):  # as str.join would have refused it
        raise TypeError("a text column built without nulls holds one")
    return values


def _no_null(values: list[str | None]) -> TypeGuard[list[str]]:
    return None not in values
