"""Reports in French and in English: the same keys in both, every category in words."""

from __future__ import annotations

import re
import string

import pytest
from tests.schemas import closed_schema

from sceau.detect.base import Category, HealthCategory, Sensitivity, Subject
from sceau.mandate.model import OPTIONS, REQUIRED_OPTION, Treatment
from sceau.reports.html import render_html
from sceau.reports.i18n import Language, _catalogue, default_language, translator

from .conftest import sample_report


def _fields(value: object) -> set[str]:
    texts = value.values() if isinstance(value, dict) else [value]
    return {f for text in texts for _, f, _, _ in string.Formatter().parse(str(text)) if f}


def test_both_languages_hold_the_same_keys_and_placeholders():
    english, french = _catalogue(Language.EN), _catalogue(Language.FR)
    assert set(english) == set(french)
    for key in english:
        assert _fields(english[key]) == _fields(french[key]), key
        assert isinstance(english[key], dict) == isinstance(french[key], dict), key


@pytest.mark.parametrize("language", list(Language))
def test_every_category_sensitivity_and_subject_has_words(language):
    t = translator(language)
    words = _catalogue(Language(language))  # the catalogue's own: plug-ins bring their words
    for category in Category:
        assert words[f"category.{category}.name"]
        assert words[f"category.{category}.advice"]
    for health in HealthCategory:
        assert t(f"health.{health}.name")
    for sensitivity in Sensitivity:
        assert t(f"sensitivity.{sensitivity}.label")
    for subject in Subject:
        assert t(f"subject.{subject}")


def test_plurals_and_numbers_follow_each_language():
    en, fr = translator("en"), translator("fr")
    assert en("unit.row", n=1) == "1 row"
    assert en("unit.row", n=0) == "0 rows"
    assert en("unit.row", n=491_840) == "491,840 rows"
    assert fr("unit.row", n=0) == "0 ligne"
    assert fr("unit.row", n=491_840) == "491\u202f840 lignes"
    assert (en.number(1_234.5), fr.number(1_234.5)) == ("1,234.50", "1\u202f234,50")


def _treatments() -> set[str]:
    """Every treatment a mandate can write that moves a column, as the mandate writes it."""
    specs = {str(t) for t in Treatment if t not in REQUIRED_OPTION and t is not Treatment.DROP}
    return specs | {f"{t}:{option}" for t, options in OPTIONS.items() for option in options}


@pytest.mark.parametrize("language", list(Language))
def test_every_treatment_status_and_reason_a_document_shows_has_words(language):
    t = translator(language)
    words = {key.removeprefix("treatment.") for key in t.words if key.startswith("treatment.")}
    assert words == _treatments()
    migration, certificate = closed_schema("migration"), closed_schema("certificate")
    assert words == set(migration["$defs"]["column_moved"]["properties"]["treatment"]["enum"])
    for status in migration["properties"]["status"]["enum"]:
        assert t(f"migration.status.{status}")
        assert t(f"migration.state.{status}")
    for reason in certificate["properties"]["reason"]["enum"]:
        assert t(f"certificate.reason.{reason}")
    for phase in ("scan", "extract", "load", "verify"):  # the pipeline's phases and timings
        assert t(f"migration.phase.{phase}")
        assert t(f"migration.doing.{phase}")


def test_french_punctuation_never_starts_a_line():
    """The catalogue is written with plain spaces; the French one is typeset when loaded."""
    fr = _catalogue(Language.FR)
    texts = [t for v in fr.values() for t in (v.values() if isinstance(v, dict) else [v])]
    assert any("\u00a0:" in text for text in texts)
    for text in texts:
        assert not re.search(r" [:;!?»]|« ", text), text
    fr_words = translator("fr")
    assert fr_words("migration.ended", run="R", state="x") == "Exécution R\u00a0: x."
    assert fr_words("mandate.quoted", value="v") == "«\u00a0v\u00a0»"
    assert "\u202f;" in fr_words("migration.shredded", provider="p", when="w")


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"SCEAU_LANG": "fr"}, Language.FR),
        ({"LANG": "fr_FR.UTF-8"}, Language.FR),
        ({"LC_ALL": "fr_CA.UTF-8", "LANG": "en_US.UTF-8"}, Language.FR),
        ({"SCEAU_LANG": "en", "LANG": "fr_FR.UTF-8"}, Language.EN),
        ({"LANG": "C.UTF-8"}, Language.EN),
        ({}, Language.EN),
    ],
)
def test_the_default_language_comes_from_the_locale(environment, expected):
    assert default_language(environment) is expected


def test_a_french_report_is_french_throughout():
    page = render_html(sample_report(), Language.FR)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert '<html lang="fr">' in page
    assert "Données personnelles et de santé trouvées" in text
    assert "Que faire" in text
    assert "numéro de sécurité sociale (NIR)" in text
    assert "247\u202f124 lignes" in page
    for english in ("Special-category", "What to do", "rows", "Confidence", "Generated by"):
        assert english not in text
