"""The terminology: rebuilt from the installed edsnlp it is the committed file; codes map right."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from sceau.detect.base import DetectError, HealthCategory
from sceau.detect.health import build
from sceau.detect.health.codes import atc_categories, cim10_categories
from sceau.detect.health.lexicon import code_categories, load_lexicon
from sceau.detect.health.terminology import (
    Cue,
    Kind,
    context_cues,
    load_matcher,
    terminology_concepts,
)

H = HealthCategory
FILES = resources.files("sceau.detect.health")


@pytest.fixture(scope="module")
def built():
    return build.build()  # about ten seconds: once for the module


def test_the_committed_terminology_is_what_the_installed_edsnlp_builds(built):
    document, _ = built
    committed = FILES.joinpath("terminology.json").read_text(encoding="utf-8")
    assert build.render(document) == committed, (
        "terminology.json differs from a rebuild: run `python -m sceau.detect.health.build`"
    )


def test_the_build_leaves_spacy_as_it_was(built):
    import sys

    assert "edsnlp" not in sys.modules  # importing it would break spaCy models in this process


def test_the_build_writes_the_file_and_says_what_it_left_out(built, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(build, "build", lambda: built)
    out = tmp_path / "terminology.json"
    assert build.main(["--out", str(out), "--summary"]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["edsnlp"]
    printed = capsys.readouterr().out
    assert "drug names left out" in printed
    assert "gated" in printed


def test_edsnlps_notice_sits_beside_the_file():
    notice = FILES.joinpath("terminology-NOTICE.txt").read_text(encoding="utf-8")
    assert "Assistance Publique - Hôpitaux de Paris" in notice
    assert "Redistribution and use in source and binary forms" in notice


@pytest.mark.parametrize(
    ("code", "categories"),
    [
        ("J05AR03", {H.HIV, H.TREATMENT}),  # Truvada
        ("J05AF10", {H.TREATMENT}),  # entecavir: hepatitis B, not HIV
        ("J05AE11", {H.TREATMENT}),  # telaprevir: hepatitis C
        ("L01XC03", {H.CANCER, H.TREATMENT}),  # trastuzumab
        ("L02BA01", {H.CANCER, H.TREATMENT}),  # tamoxifen
        ("N07BC01", {H.ADDICTION, H.TREATMENT}),  # buprenorphine (Subutex)
        ("N05AN01", {H.MENTAL_HEALTH, H.TREATMENT}),  # lithium
        ("N05CF02", {H.MENTAL_HEALTH, H.TREATMENT}),  # zolpidem (Stilnox)
        ("G03AA07", {H.SEXUAL_HEALTH, H.TREATMENT}),  # levonorgestrel + EE (Leeloo)
        ("G02BA03", {H.SEXUAL_HEALTH, H.TREATMENT}),  # hormonal IUD
        ("B01AC06", {H.TREATMENT}),  # aspirin
        ("A11CC05", set()),  # colecalciferol: a vitamin is not counted
        ("B05BB01", set()),  # saline
        ("V08AB02", set()),  # a contrast agent
        ("V04CA02", set()),  # a diagnostic agent
    ],
)
def test_atc_classes_count_as_treatment_and_their_condition(code, categories):
    assert atc_categories(code) == categories


@pytest.mark.parametrize(
    ("code", "categories"),
    [
        ("B24", {H.HIV}),
        ("C509", {H.CANCER}),
        ("D05", {H.CANCER}),
        ("D471", {H.CANCER}),
        ("D10", set()),  # a benign tumour
        ("Q900", {H.GENETIC}),
        ("E84", {H.GENETIC}),
        ("O24", {H.PREGNANCY}),
        ("Z33", {H.PREGNANCY}),
        ("F102", {H.ADDICTION}),
        ("F20", {H.MENTAL_HEALTH}),
        ("F64", {H.SEXUAL_HEALTH}),  # gender identity is not an illness here
        ("F70", {H.DISABILITY}),
        ("A54", {H.SEXUAL_HEALTH}),
        ("O987", {H.HIV, H.PREGNANCY}),
        ("Z511", {H.CANCER, H.TREATMENT}),
        ("Z992", {H.TREATMENT}),
        ("E11", set()),  # diabetes: health data, but none of the categories
    ],
)
def test_cim10_blocks_count_as_their_category(code, categories):
    assert cim10_categories(code) == categories


def test_every_term_of_the_terminology_counts_as_something():
    for concept, terms in terminology_concepts():
        assert concept.categories, concept.source
        assert terms, concept.source
        assert all(term == term.strip() and term.isascii() for term in terms), concept.source


def test_every_curated_code_is_a_code_sceau_knows():
    for entry in load_lexicon().entries:
        if entry.code is not None:
            assert entry.category in entry.categories
            system = entry.code.split(":")[0]
            if system == "CIM10":
                assert code_categories(entry.code), entry.id  # a counted diagnosis


def test_lab_words_and_names_are_gated_not_counted_alone():
    gated = {
        term
        for concept, terms in terminology_concepts()
        if concept.kind is Kind.GATED
        for term in terms
    }
    assert {"heparine", "diane"} <= gated
    counted = {
        term
        for concept, terms in terminology_concepts()
        if concept.kind is Kind.PLAIN
        for term in terms
    }
    assert not counted & build.lab_words()
    # lithium alone counts: a lab writes it for the drug's level; its tubes are phrases that
    # the context's pseudo cues swallow ("héparinate de lithium", tests/vectors/health)
    assert {"subutex", "stilnox", "leeloo", "lymphome", "schizophrenie", "lithium"} <= counted


def test_context_cues_are_all_kinds_and_folded_words():
    cues = context_cues()
    assert set(cues) == set(Cue)
    patterns = set(load_matcher().patterns)
    for words in cues.values():
        for word in words:
            assert f" {word} " in patterns, word


def test_a_missing_edsnlp_is_a_clear_error(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "edsnlp" else real(name, *a)
    )
    with pytest.raises(DetectError, match="edsnlp is not installed") as raised:
        build.build()
    assert "sceau[dev]" in raised.value.hint
