"""Embeddable detectors find their identifiers inside free text: pattern, then validate."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st
from stdnum.fr import nir as std_nir

from sceau.detect.base import Detector, registered

DETECTORS = {detector.name: detector for detector in registered()}

TEXT = (
    "Patiente vue le 12/03/2024. NIR 1 85 05 78 006 084 91, ancien NIR 185057800608436 (faux). "
    "Tél. 06 12 34 56 78 ou +33 (0)1 23 45 67 89, fax 00 12 34 56 78. "
    "Mail jean.dupont@example.fr; IBAN FR76 3000 6000 0112 3456 7890 189 "
    "(et non FR76 3000 6000 0112 3456 7890 188). Corse : 2 95 10 2B 123 456 85."
)
EXPECTED = {
    "nir": ["1 85 05 78 006 084 91", "2 95 10 2B 123 456 85"],
    "phone": ["06 12 34 56 78", "+33 (0)1 23 45 67 89"],
    "email": ["jean.dupont@example.fr"],
    "iban": ["FR76 3000 6000 0112 3456 7890 189"],
}


def found(detector: Detector, texts: list[str]) -> list[list[str]]:
    """Every valid occurrence in each text, in order: what the free-text scanner does."""
    frame = pl.DataFrame({"text": texts}).with_row_index("row")
    hits = frame.select("row", pl.col("text").str.extract_all(detector.pattern).alias("hit"))
    hits = hits.explode("hit").filter(detector.validate(pl.col("hit")).fill_null(False))
    by_row = {row: [] for row in range(len(texts))}
    for row, hit in hits.iter_rows():
        by_row[row].append(hit)
    return [by_row[row] for row in range(len(texts))]


def test_the_embeddable_detectors_are_the_identifiers():
    embeddable = {name for name, detector in DETECTORS.items() if detector.embeddable}
    assert embeddable == set(EXPECTED)


def test_identifiers_are_found_in_text_and_look_alikes_are_not():
    for name, expected in EXPECTED.items():
        assert found(DETECTORS[name], [TEXT]) == [expected], name


nir_numbers = st.builds(
    lambda sex, middle, department, tail: sex + middle + department + tail,
    st.sampled_from("12"),
    st.text("0123456789", min_size=2, max_size=2).map(lambda y: y + "05"),
    st.sampled_from(["75", "13", "2A", "2B", "97", "99"]),
    st.text("0123456789", min_size=6, max_size=6),
).map(lambda body: body + std_nir.calc_check_digits(body + "00"))
words = st.lists(st.sampled_from(["bilan", "normal", "le", "patient", "VIH", "contrôle", "RAS"]))


@given(words, nir_numbers, words, st.sampled_from(["compact", "spaced"]))
def test_a_nir_is_found_wherever_it_stands(before, number, after, form):
    if form == "spaced":
        parts = (number[0], number[1:3], number[3:5], number[5:7], number[7:10], number[10:13])
        number = " ".join((*parts, number[13:]))
    text = " ".join([*before, number + ",", *after])
    [hits] = found(DETECTORS["nir"], [text])
    assert hits == [number]
    assert text[text.index(hits[0]) :].startswith(number)
