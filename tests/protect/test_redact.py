"""Redaction: after it, the scan's own analyser finds no identifier; health words stay."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sceau.detect.freetext import analyse_text, count_embedded
from sceau.protect.redact import redact_identifiers
from sceau.synth import generate

from .strategies import IDENTIFIERS, comments

CELLS = st.lists(st.one_of(st.none(), comments(), st.text(max_size=30)), max_size=30)


def series(values: list[str | None]) -> pl.Series:
    return pl.Series("comment", values, dtype=pl.String)


@settings(max_examples=60, deadline=None)
@given(CELLS)
def test_the_scan_finds_nothing_left(values):
    before = series(values)
    after = redact_identifiers(before)
    assert count_embedded(after) == {}
    assert after.is_null().to_list() == before.is_null().to_list()
    for value, redacted in zip(values, after.to_list(), strict=True):
        if value is not None and not any(c.isdigit() or c == "@" for c in value):
            assert redacted == value  # every identifier has a digit or an @: nothing to do


@settings(max_examples=30, deadline=None)
@given(st.lists(IDENTIFIERS, min_size=1, max_size=5), st.sampled_from([" ", ", ", "\n"]))
def test_every_identifier_becomes_its_category(identifiers, separator):
    text = "VIH positif" + separator + separator.join(identifiers) + separator + "grossesse"
    redacted = redact_identifiers(series([text])).item()
    found = count_embedded(series([text]))
    assert sum(found.values()) == len(identifiers)  # the strategies make valid ones only
    for category, count in found.items():
        assert redacted.count(f"[{category.value}]") == count
    for identifier in identifiers:
        assert identifier not in redacted
    assert redacted.startswith("VIH positif")
    assert redacted.endswith("grossesse")  # health words are kept


def test_examples():
    out = redact_identifiers(
        series(
            [
                "rappeler au 06 12 34 56 78, NIR 2 85 05 2A 006 084 82",
                "mail jean.dupont@orange.fr ok",
                "contact: 0612345678@orange.fr",
                "IBAN FR76 3000 6000 0112 3456 7890 189 pour remboursement",
                "NIR 185057800608437 (clé fausse) reste",
                "séropositif, pas d'identifiant",
                None,
                "",
            ]
        )
    ).to_list()
    assert out == [
        "rappeler au [PHONE], NIR [NIR]",
        "mail [EMAIL] ok",
        "contact: [EMAIL]",
        "IBAN [IBAN] pour remboursement",
        "NIR 185057800608437 (clé fausse) reste",
        "séropositif, pas d'identifiant",
        None,
        "",
    ]


def test_a_column_without_identifiers_comes_back_as_it_was():
    values = series(["RAS", None, "tube hémolysé", "RAS"])
    assert redact_identifiers(values).to_list() == values.to_list()
    assert redact_identifiers(series([])).to_list() == []
    assert redact_identifiers(pl.Series("c", [None, None])).to_list() == [None, None]


def test_synthetic_comments():
    synth = generate(3_000, seed=11, lab="lab-d")  # multi-line comments
    for column in ("Commentaire clinique", "Remarques"):
        before = synth.frame[column]
        after = redact_identifiers(before)
        assert sum(count_embedded(before).values()) > 0
        assert count_embedded(after) == {}
        assert analyse_text(after).health == analyse_text(before).health
        assert after.name == column
        untouched = ~before.str.contains("[0-9@]").fill_null(False)
        assert after.filter(untouched).to_list() == before.filter(untouched).to_list()
