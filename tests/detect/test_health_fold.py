"""Folding: one column at a time with NumPy, or one string with offsets — the same result."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.detect.health.fold import fold_series, fold_term, fold_text


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("VIH", " vih "),
        ("Élève: VIH+, K. sein", " eleve vih+ k sein "),
        ("G1P0 à 12SA+3j", " g0p0 a 00sa+0j "),
        ("Œstro Æ ß", " oestro ae ss "),
        ("β-HCG", " hcg "),
        ("d’aménorrhée", " d amenorrhee "),
        ("a\u00a0b\u202fc\td\n", " a b c d "),
        ("", " "),
        ("  ", " "),
        ("€", " "),
        ("😀vih😀", " vih "),
    ],
)
def test_fold_examples(text, folded):
    assert fold_text(text)[0] == folded
    assert fold_series(pl.Series([text])).to_list() == [folded]


def test_fold_series_keeps_nulls_names_and_slices():
    values = pl.Series("comment", ["x", None, "Éa", "b ", None])
    assert fold_series(values).to_list() == [" x ", None, " ea ", " b ", None]
    assert fold_series(values).name == "comment"
    assert fold_series(values[2:]).to_list() == [" ea ", " b ", None]
    assert fold_series(pl.Series([], dtype=pl.String)).to_list() == []
    assert fold_series(pl.Series([None, None])).to_list() == [None, None]


def test_fold_series_of_several_chunks():
    values = pl.concat([pl.Series(["Ab", None]), pl.Series(["Cé"])], rechunk=False)
    assert values.n_chunks() == 2
    assert fold_series(values).to_list() == [" ab ", None, " ce "]


def test_fold_term_has_no_padding():
    assert fold_term("  K. sein ") == "k sein"


@given(st.text(max_size=60))
def test_fold_term_is_fold_text_unpadded(text):
    assert fold_term(text) == fold_text(text)[0].strip(" ")


@given(st.text(max_size=60))
def test_fold_text_and_fold_series_agree(text):
    assert fold_series(pl.Series([text])).item() == fold_text(text)[0]


@given(st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=20))
def test_fold_series_is_cell_by_cell(cells):
    folded = fold_series(pl.Series(cells, dtype=pl.String)).to_list()
    assert folded == [None if cell is None else fold_text(cell)[0] for cell in cells]


@settings(deadline=None)  # folds every character of the text once more, one by one
@given(st.text(max_size=60))
def test_fold_text_origin_points_at_the_source_character(text):
    folded, origin, _ = fold_text(text)
    assert len(origin) == len(folded)
    assert set(folded) <= set("abcdefghijklmnopqrstuvwxyz0+ ")
    assert origin[0] == -1
    for character, source in zip(folded, origin, strict=True):
        if source >= 0:
            assert character in fold_text(text[source])[0]
        else:
            assert character == " "
