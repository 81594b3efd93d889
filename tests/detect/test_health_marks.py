"""Clause ends and question marks: the column-wide search gives what a byte-by-byte reading does.

The reference below reads every byte of the column, as the first version of ``_marks`` did; the
one sceau runs looks only at the punctuation and the bytes around it.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from sceau.detect.health import fold as F


def reference_clause_ends(values: list[str]) -> np.ndarray:
    text = pl.Series(values, dtype=pl.String)
    padded = F._as_large_string((" " + text.fill_null("") + " ").rechunk())
    _, offsets_buffer, data_buffer = padded.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[: len(padded) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    starts = offsets[:-1] - offsets[0]
    _, _, origin = F._fold_padded(data, starts, with_origin=True)
    white = F._IS_WHITE[data]
    white_after = np.append(white[1:], True)
    white_before = np.insert(white[:-1], 0, True)
    ends = np.isin(data, F._CLAUSE_END)
    lower_next = np.append(F._IS_LOWER[data[2:]], [False, False])
    stops = (data == ord(".")) & white_after
    lowered = np.where(F._IS_LOWER[data | 0x20], data | 0x20, data)
    for dot in np.flatnonzero(stops & lower_next):
        for word in F.ABBREVIATIONS:  # the word just before the dot, no letter before it
            size = len(word)
            if dot > size and bytes(lowered[dot - size : dot].tolist()) == word.encode():
                stops[dot] &= bool(F._IS_LOWER[lowered[dot - size - 1]])
    ends |= stops
    ends |= np.isin(data, F._SPACED_END) & white_after & white_before
    return np.searchsorted(origin, np.flatnonzero(ends), "right") - 1


_PIECES = st.sampled_from(
    [" ", "  ", ".", ". ", ",", ";", "!", "|", "\n", "?", " ? ", " - ", "-", "/", " / ", "+",
     "fam", "FAM", "Fam", "atcd", "ttt", "cf", "dr", "x", "vih", "K", "sein", "é", "è", "ok",
     "xfam", "1fam", ".fam", "mme", "st",
     "mère", "1", "2", "(", ")", ":"]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=14).map("".join)


@given(st.lists(_TEXT, min_size=1, max_size=8))
def test_clause_ends_as_a_byte_by_byte_reading_finds_them(values):
    marks = F.fold_marked(pl.Series(values, dtype=pl.String)).marks
    assert marks.clause_ends.tolist() == reference_clause_ends(values).tolist()
