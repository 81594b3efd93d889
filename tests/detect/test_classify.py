"""The column classifier on the cases that need both header and value evidence."""

from __future__ import annotations

import random

import polars as pl
import pytest
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

from sceau.detect.base import Category, Subject, registered
from sceau.detect.classify import classify_column

DETECTORS = list(registered())
rng = random.Random(7)


def _nirs(n: int) -> list[str]:
    out = []
    for _ in range(n):
        sex, year, month = rng.choice("12"), rng.randint(30, 99), rng.randint(1, 12)
        body = f"{sex}{year:02d}{month:02d}75{rng.randint(100, 999)}{rng.randint(100, 999)}"
        out.append(body + stdnum_nir.calc_check_digits(body))
    return out


def _luhn9(prefix: str) -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(8 - len(prefix)))
    return body + luhn.calc_check_digit(body)


def classify(name: str, values: list[str | None]):
    return classify_column(name, pl.Series(name, values, dtype=pl.String), DETECTORS)


def test_valid_nirs_without_header_are_nirs():
    result = classify("column_3", _nirs(200))
    assert result.finding.category is Category.NIR
    assert result.finding.confidence > 0.9
    assert result.finding.subject is Subject.UNKNOWN


def test_a_comments_column_full_of_nirs_holds_nirs():
    result = classify("COMMENTAIRE", _nirs(200))
    assert result.finding.category is Category.NIR


def test_an_ins_header_over_nir_values_is_ins():
    assert classify("matricule_INS", _nirs(100)).finding.category is Category.INS


def test_birth_dates_and_visit_dates_are_told_apart_by_their_spread():
    births = [
        f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1930, 2020)}"
        for _ in range(300)
    ]
    visits = [
        f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2018, 2021)}"
        for _ in range(300)
    ]
    assert classify("column_1", births).finding.category is Category.BIRTH_DATE
    assert classify("column_2", visits).finding.category is Category.DATE
    assert classify("DDN", visits).finding.category is Category.BIRTH_DATE  # the name decides


def test_one_finess_per_lab_versus_many_adeli_numbers():
    finess = [_luhn9("75")] * 200
    adeli = [_luhn9(f"{rng.randint(10, 95)}") for _ in range(200)]
    assert classify("column_9", finess).finding.category is Category.FINESS
    assert classify("column_10", adeli).finding.category is Category.PRACTITIONER_ID


def test_unique_regular_codes_are_record_ids():
    ids = [f"D2019-{i:06d}" for i in range(500)]
    result = classify("column_1", ids)
    assert result.finding.category is Category.RECORD_ID
    assert any(e.source == "cardinality" for e in result.finding.evidence)


def test_the_header_names_whose_data_it_is():
    phones = [f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} 34 56" for _ in range(50)]
    assert classify("TEL_MED", phones).finding.subject is Subject.PRACTITIONER
    assert classify("TEL_PREL", phones).finding.subject is Subject.SAMPLER
    assert classify("TEL1", phones).finding.subject is Subject.PATIENT


def test_comments_are_free_text():
    notes = ["patient à jeun depuis 12h", "prélèvement difficile au bras gauche", None] * 50
    result = classify("COMMENT1", notes)
    assert result.is_text
    assert result.finding.category is Category.FREE_TEXT


def test_an_empty_column_falls_back_on_its_name():
    result = classify("N_SS", [None, None, ""])
    assert result.finding.category is Category.NIR
    assert result.finding.confidence < 1


@pytest.mark.parametrize("values", [["x"] * 10, ["12", "13", "12"], ["€", "@", "#"]])
def test_values_nothing_recognises_are_other(values):
    assert classify("column_4", values).finding.category is Category.OTHER


def test_evidence_never_quotes_a_value():
    values = _nirs(50)
    result = classify("N_SS", values)
    for evidence in result.finding.evidence:
        assert not any(value in evidence.detail for value in values)
