"""A reader's record batch as a polars DataFrame, typed as one.

``pl.from_arrow`` turns arrays into Series and batches into DataFrames, and is typed as
returning either; the rooms that work on frames take them from here.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa


def frame_of(batch: pa.RecordBatch) -> pl.DataFrame:
    """``batch`` as a DataFrame, its columns shared with the batch where Arrow allows."""
    frame = pl.from_arrow(batch)
    if not isinstance(frame, pl.DataFrame):  # a batch always gives a frame; a bug otherwise
        raise TypeError(f"a record batch became a {type(frame).__name__}")
    return frame
