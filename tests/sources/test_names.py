"""Column names are one line of printable text, unique in their table, whatever the reader."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sceau.sources.names import clean_name, unique_names


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("NOM_PAT", "NOM_PAT"),
        ("Date de\nnaissance", "Date de naissance"),
        ("Date de\r\n  naissance ", "Date de naissance"),
        ("\ufeffNOM", "NOM"),  # a byte-order mark
        ("TEL\t(portable)", "TEL (portable)"),
        ("\x1b[31mNOM\x1b[0m", "[31mNOM [0m"),  # a terminal escape loses its ESC
        ("A\u00a0\u2028B", "A B"),  # no-break space, line separator
        ("Poids [kg]", "Poids [kg]"),
        ("  ", ""),
    ],
)
def test_the_rule(raw, clean):
    assert clean_name(raw) == clean


@given(st.text())
def test_a_clean_name_is_one_printable_line_and_stays_as_it_is(raw):
    name = clean_name(raw)
    assert name == name.strip()
    assert "  " not in name
    assert all(
        unicodedata.category(ch) not in {"Cc", "Cf", "Zl", "Zp"} and (ch == " " or not ch.isspace())
        for ch in name
    )
    assert clean_name(name) == name


@given(st.lists(st.text(max_size=5), max_size=8))
def test_unique_names_are_unique_and_never_blank(raws):
    names = unique_names(raws)
    assert len(names) == len(raws)
    assert len(set(names)) == len(names)
    assert all(names)


def test_blank_and_repeated_names():
    assert unique_names(["NOM", "", "NOM", "NOM\n", None]) == [
        "NOM",
        "column_2",
        "NOM_2",
        "NOM_3",
        "column_5",
    ]
