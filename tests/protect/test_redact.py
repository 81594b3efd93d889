"""Redaction: after it, the scan's own analyser finds no identifier; health words stay.

The recall side (every shape, valid or not, and names) is tested in test_redact_recall.py.
"""

from __future__ import annotations

import re

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
        if value is not None and not re.search(r"[0-9@]|[^\W\d_]{2}", value.upper()):
            assert redacted == value  # no digit, no @, no word: nothing to redact


@settings(max_examples=30, deadline=None)
@given(st.lists(IDENTIFIERS, min_size=1, max_size=5), st.sampled_from([", ", " ; ", "\n"]))
def test_every_identifier_becomes_its_category(identifiers, separator):
    # Identifiers a single space apart can read as other ones ("… 000 07 06 00 00 00 00": a NIR
    # and a phone, or a phone that starts with the NIR's key); which category each gets is then
    # a guess. That nothing of them is left is held by test_redact_recall.py.
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


EXAMPLES = {
    "rappeler au 06 12 34 56 78, NIR 2 85 05 2A 006 084 82": "rappeler au [PHONE], NIR [NIR]",
    "mail jean.dupont@orange.fr ok": "mail [EMAIL] ok",
    "contact: 0612345678@orange.fr": "contact: [EMAIL]",
    "IBAN FR76 3000 6000 0112 3456 7890 189 pour remboursement": "IBAN [IBAN] pour remboursement",
    "séropositif, pas d'identifiant": "séropositif, pas d'identifiant",
    # recall first: what the validating detectors left in clear
    "NIR 185057800608437 (clé fausse)": "NIR [NIR] (clé fausse)",
    "rappeler au 07 03 78 91 54 ou +33718643131": "rappeler au [PHONE] ou [PHONE]",
    "RIB fr4494320537254220670232533": "RIB [IBAN]",
    "né le 12/03/85, vu le 1985-03-12, le 12 mars 1985": "né le [DATE], vu le [DATE], le [DATE]",
    "RPPS 10003456789, dossier 12345678": "RPPS [ID], dossier [ID]",
    "vu avec Mme Martin, DUPONT Jean-Pierre": "vu avec Mme [NAME], [NAME]",
    "Dr Kowalczyk prévenu ; PETIT Marie": "Dr [NAME] prévenu ; [NAME]",
    # clinical words stay
    "Petit hématome, MASSE ABDOMINALE, urines claires": (
        "Petit hématome, MASSE ABDOMINALE, urines claires"
    ),
    "maladie de Wilson, suivi à Gustave Roussy": "maladie de Wilson, suivi à Gustave Roussy",
    "INR 2.5, Hb 12,5 g/dL, DDR le 12/06, dilution 1/2000": (
        "INR 2.5, Hb 12,5 g/dL, DDR le 12/06, dilution 1/2000"
    ),
}


def test_examples():
    out = redact_identifiers(series([*EXAMPLES, None, ""])).to_list()
    assert out == [*EXAMPLES.values(), None, ""]


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
        untouched = ~before.str.contains(r"[0-9@]|\p{Lu}").fill_null(False)
        assert after.filter(untouched).to_list() == before.filter(untouched).to_list()
