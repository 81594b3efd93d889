"""sceau's recognizers inside Presidio: French identifiers and health categories, offline."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("presidio_analyzer")

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

from sceau.detect import presidio
from sceau.detect.base import HealthCategory
from sceau.errors import SceauError

DOCS = Path(__file__).parent.parent.parent / "docs" / "detectors.md"


def nir(first13: str) -> str:
    return first13 + f"{97 - int(first13) % 97:02d}"


VALID_NIR = nir("2840575112345")
BAD_KEY_NIR = VALID_NIR[:13] + f"{(int(VALID_NIR[13:]) % 97) + 1:02d}"


def spaced(number: str) -> str:
    return " ".join((number[0], number[1:3], number[3:5], number[5:7], number[7:10],
                     number[10:13], number[13:]))  # fmt: skip


@pytest.fixture(scope="module")
def analyzer() -> AnalyzerEngine:
    return presidio.french_analyzer()


def found(analyzer: AnalyzerEngine, text: str, entity: str) -> list[str]:
    results = analyzer.analyze(text, language="fr", entities=[entity])
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start)]


@pytest.mark.parametrize("number", [spaced(VALID_NIR), VALID_NIR], ids=["spaced", "compact"])
def test_a_valid_nir_is_found_with_a_high_score(analyzer: AnalyzerEngine, number: str):
    text = f"Patient né à Paris, n° sécu {number}, vu le 3 mars."
    results = [r for r in analyzer.analyze(text, language="fr") if r.entity_type == "FR_NIR"]
    assert [text[r.start : r.end] for r in results] == [number]
    assert results[0].score == 1.0
    assert results[0].recognition_metadata["sceau_detector"] == "nir"


@pytest.mark.parametrize("number", [spaced(BAD_KEY_NIR), BAD_KEY_NIR], ids=["spaced", "compact"])
def test_a_nir_with_a_wrong_key_is_not_reported(analyzer: AnalyzerEngine, number: str):
    assert found(analyzer, f"n° sécu {number}", "FR_NIR") == []


PHONES = [
    "06 12 34 56 78",
    "06.12.34.56.78",
    "06-12-34-56-78",
    "0612345678",
    "01 42 68 53 00",
    "+33 6 12 34 56 78",
    "+33612345678",
    "0033 6 12 34 56 78",
    "+33 (0)6 12 34 56 78",
]


@pytest.mark.parametrize("phone", PHONES)
def test_french_phone_numbers_are_found(analyzer: AnalyzerEngine, phone: str):
    assert found(analyzer, f"Rappeler la patiente au {phone} avant 18h.", "FR_PHONE_NUMBER") == [
        phone
    ]


def test_numbers_outside_the_french_plan_are_not_french_phones(analyzer: AnalyzerEngine):
    assert found(analyzer, "dossier 0012345678, tube 04 00 12 34 56", "FR_PHONE_NUMBER") == []


@pytest.mark.parametrize(
    ("comment", "term", "category"),
    [
        ("Patient VIH+ sous traitement, contrôle CV.", "VIH+", "HIV"),
        ("Patiente séropositive, suivie en infectiologie.", "séropositive", "HIV"),
        ("Patiente enceinte, terme à préciser.", "enceinte", "PREGNANCY"),
        ("Bilan pré-op, ATCD de K du sein opéré.", "ATCD de K", "CANCER"),
        ("Chimiothérapie en cours, prévenir l'oncologue.", "Chimiothérapie", "CANCER"),
    ],
)
def test_health_mentions_are_found_with_their_category(
    analyzer: AnalyzerEngine, comment: str, term: str, category: str
):
    results = analyzer.analyze(comment, language="fr", entities=["FR_HEALTH"])
    by_text = {comment[r.start : r.end]: r for r in results}
    assert term in by_text
    metadata = by_text[term].recognition_metadata
    assert metadata["health_category"] == category
    assert category in metadata["health_categories"]


def test_health_results_carry_categories_never_words(analyzer: AnalyzerEngine):
    text = "Patiente enceinte, VIH+ sous trithérapie, cancer du sein."
    results = analyzer.analyze(
        text, language="fr", entities=["FR_HEALTH"], return_decision_process=True
    )
    assert {r.recognition_metadata["health_category"] for r in results} == {
        "PREGNANCY",
        "HIV",
        "CANCER",
    }
    allowed = {"recognizer_name", "recognizer_identifier", "health_category", "health_categories"}
    categories = {c.value for c in HealthCategory}
    for result in results:
        assert set(result.recognition_metadata) <= allowed
        assert set(result.recognition_metadata["health_categories"]) <= categories
        explanation = result.analysis_explanation
        assert explanation.pattern_name in categories
        assert explanation.pattern is None
        assert text[result.start : result.end] not in explanation.textual_explanation


def test_a_term_of_two_categories_is_one_result_with_both(analyzer: AnalyzerEngine):
    text = "Patient sous trithérapie depuis 2023."
    results = analyzer.analyze(text, language="fr", entities=["FR_HEALTH"])
    assert len(results) == 1
    assert set(results[0].recognition_metadata["health_categories"]) == {"HIV", "TREATMENT"}


def test_a_negated_or_relatives_mention_is_no_result(analyzer: AnalyzerEngine):
    text = "Pas de métastase. Mère : K du sein."
    assert analyzer.analyze(text, language="fr", entities=["FR_HEALTH"]) == []


def test_offsets_point_at_the_substring_in_a_mixed_comment(analyzer: AnalyzerEngine):
    number = spaced(VALID_NIR)
    text = (
        f"Mme Éloïse Dupré (NIR {number}), tél. 06 12 34 56 78, "
        "mail e.dupre@exemple.fr, IBAN FR76 3000 6000 0112 3456 7890 189 — enceinte."
    )
    results = analyzer.analyze(text, language="fr")
    spans = {(r.entity_type, text[r.start : r.end]) for r in results}
    assert {
        ("FR_NIR", number),
        ("FR_PHONE_NUMBER", "06 12 34 56 78"),
        ("EMAIL_ADDRESS", "e.dupre@exemple.fr"),
        ("IBAN_CODE", "FR76 3000 6000 0112 3456 7890 189"),
        ("FR_HEALTH", "enceinte"),
    } <= spans
    sceau = [r for r in results if r.recognition_metadata["recognizer_name"].startswith("sceau.")]
    assert {r.entity_type for r in sceau} == set(presidio.ENTITIES)


def test_sceau_replaces_presidios_email_and_iban_recognizers(analyzer: AnalyzerEngine):
    owners = {
        r.name
        for r in analyzer.registry.recognizers
        if {"EMAIL_ADDRESS", "IBAN_CODE"} & set(r.supported_entities)
    }
    assert owners == {"sceau.EMAIL_ADDRESS", "sceau.IBAN_CODE"}


def test_scores_follow_validation():
    scores = {r.supported_entities[0]: r.family.score for r in presidio.recognizers()}
    assert scores["FR_NIR"] == scores["IBAN_CODE"] == 1.0
    assert scores["FR_PHONE_NUMBER"] < scores["EMAIL_ADDRESS"] < 1.0


def test_registering_into_an_existing_registry(analyzer: AnalyzerEngine):
    registry = RecognizerRegistry(supported_languages=["fr"])
    added = presidio.register(registry)
    assert sorted(r.supported_entities[0] for r in added) == sorted(presidio.ENTITIES)
    assert presidio.register(registry) == []  # not twice
    engine = AnalyzerEngine(
        registry=registry, nlp_engine=analyzer.nlp_engine, supported_languages=["fr"]
    )
    text = f"NIR {VALID_NIR}, VIH+"
    assert {(r.entity_type, text[r.start : r.end]) for r in engine.analyze(text, "fr")} == {
        ("FR_NIR", VALID_NIR),
        ("FR_HEALTH", "VIH+"),
    }
    assert presidio.register(analyzer) == []  # an analyzer: its registry already has them


def test_register_refuses_anything_else():
    with pytest.raises(SceauError, match="RecognizerRegistry"):
        presidio.register(object())  # type: ignore[arg-type]


def test_languages():
    both = presidio.recognizers(("fr", "en"))
    english = {r.supported_entities[0] for r in both if r.supported_language == "en"}
    assert english == set(presidio.ENTITIES) - {"FR_HEALTH"}  # the health lexicon is French
    assert [r.supported_language for r in presidio.recognizers("fr")] == ["fr"] * 5
    with pytest.raises(SceauError, match="no language"):
        presidio.recognizers([])


def test_a_recognizer_works_alone_without_nlp_artifacts():
    (health,) = [r for r in presidio.recognizers() if r.supported_entities == ["FR_HEALTH"]]
    text = "Patient séropositif."
    (result,) = health.analyze(text, ["FR_HEALTH"], None)
    assert text[result.start : result.end] == "séropositif"
    assert health.analyze(text, ["FR_NIR"], None) == []


def test_one_text_is_analysed_once_per_analysis(analyzer: AnalyzerEngine, monkeypatch):
    calls = []
    real = presidio.find_spans
    monkeypatch.setattr(presidio, "find_spans", lambda text: calls.append(1) or real(text))
    analyzer.analyze("VIH+, tél 06 12 34 56 78", language="fr")
    assert len(calls) == 1


def test_a_missing_model_is_refused_not_downloaded():
    with pytest.raises(SceauError, match="not installed") as caught:
        presidio.french_analyzer("xx_no_such_model_sm")
    assert "xx_no_such_model_sm" in str(caught.value)


def test_without_presidio_the_module_imports_and_refuses(monkeypatch):
    monkeypatch.setitem(sys.modules, "presidio_analyzer", None)
    monkeypatch.setitem(sys.modules, "presidio_analyzer.nlp_engine", None)
    spec = importlib.util.spec_from_file_location("sceau_presidio_alone", presidio.__file__)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    for call in (module.recognizers, module.french_analyzer, lambda: module.register(None)):
        with pytest.raises(SceauError) as caught:
            call()
        assert caught.value.hint == "pip install 'sceau[presidio]'"


def test_every_entity_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("\n## Presidio") :]
    documented = set(re.findall(r"`([A-Z][A-Z_]+)`", section))
    exposed = set(presidio.ENTITIES) | {
        r.supported_entities[0] for r in presidio.recognizers(("fr", "en"))
    }
    assert exposed <= documented
    assert "SCEAU_<CATEGORY>" in section  # the entity of a plug-in's embeddable detector
