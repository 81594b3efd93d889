"""Arrow helpers every reader shares: cells as text, batches of bounded size."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from sceau.sources.names import unique_names


def rebatch(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Slices (zero-copy) every batch to at most ``rows`` rows; readers return blocks, not rows."""
    for batch in batches:
        if batch.num_rows <= rows:
            if batch.num_rows:
                yield batch
            continue
        for offset in range(0, batch.num_rows, rows):
            yield batch.slice(offset, rows)


def string_batch(columns: Sequence[str], values: Sequence[list[str | None]]) -> pa.RecordBatch:
    """A batch of text columns from Python lists (readers whose parser is Python)."""
    arrays = [pa.array(column, type=pa.string()) for column in values]
    return pa.RecordBatch.from_arrays(arrays, schema=string_schema(columns))


def string_schema(columns: Sequence[str]) -> pa.Schema:
    return pa.schema([pa.field(name, pa.string()) for name in columns])


def text_columns(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Every column of a typed batch as text; struct columns flattened to dotted names, every
    name cleaned (one line, no control character) and unique."""
    names: list[str] = []
    arrays: list[pa.Array[Any]] = []
    for field, array in zip(batch.schema, batch.columns, strict=True):
        _flatten(field.name, array, names, arrays)
    return pa.RecordBatch.from_arrays(arrays, schema=string_schema(unique_names(names)))


def text_schema(schema: pa.Schema) -> pa.Schema:
    """The schema :func:`text_columns` gives for batches of ``schema`` (known before reading)."""
    empty = pa.RecordBatch.from_pylist([], schema=schema)
    return text_columns(empty).schema


def _flatten(
    name: str, array: pa.Array[Any], names: list[str], arrays: list[pa.Array[Any]]
) -> None:
    if isinstance(array, pa.StructArray):
        for index in range(array.type.num_fields):
            child = array.type.field(index)
            _flatten(f"{name}.{child.name}", array.field(index), names, arrays)
        return
    names.append(name)
    arrays.append(to_text(array))


def to_text(array: pa.Array[Any]) -> pa.Array[Any]:
    """One array as ``pa.string()``: dates and times in ISO 8601, nested values as JSON."""
    kind = array.type
    if isinstance(array, pa.DictionaryArray):
        return to_text(array.dictionary_decode())
    if pa.types.is_string(kind):
        return array
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind) or pa.types.is_null(kind):
        return array.cast(pa.string())
    if pa.types.is_timestamp(kind):
        return pc.replace_substring(array.cast(pa.string()), " ", "T", max_replacements=1)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return _binary_text(array)
    if pa.types.is_fixed_size_binary(kind) or pa.types.is_binary_view(kind):
        return _binary_text(array)
    if pa.types.is_nested(kind):
        return _json_text(array)
    return array.cast(pa.string())


def _binary_text(array: pa.Array[Any]) -> pa.Array[Any]:
    """Bytes as text when they are UTF-8, else as hexadecimal (unique values only)."""
    try:
        return array.cast(pa.string())
    except pa.ArrowInvalid:
        pass
    unique = array.unique()
    text = pa.array([None if v is None else v.hex() for v in unique.to_pylist()], pa.string())
    return pc.take(text, pc.index_in(array, unique))


def _json_text(array: pa.Array[Any]) -> pa.Array[Any]:
    """Lists and maps as JSON text: no vectorised form exists, so unique values only."""
    values = array.to_pylist()
    seen: dict[str, str] = {}
    out: list[str | None] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        key = repr(value)
        if key not in seen:
            seen[key] = json.dumps(value, ensure_ascii=False, default=str)
        out.append(seen[key])
    return pa.array(out, pa.string())
