"""The health lexicon: sceau's own is sound; a broken one is refused with the entry named."""

from __future__ import annotations

import json

import pytest

from sceau.detect.base import DetectError, HealthCategory
from sceau.detect.health.lexicon import load_lexicon, parse_lexicon, patterns_for


def test_builtin_lexicon_covers_every_health_category_generously():
    lexicon = load_lexicon()
    by_category = {category: 0 for category in HealthCategory}
    for entry in lexicon.entries:
        assert entry.id.startswith(f"{entry.category.value}.")
        by_category[entry.category] += len(entry.terms)
    assert all(count >= 50 for count in by_category.values()), by_category
    assert sum(by_category.values()) >= 1000


def test_builtin_lexicon_is_read_once():
    assert load_lexicon() is load_lexicon()


def test_patterns_are_whole_words_with_an_optional_plus():
    assert patterns_for("VIH") == [" vih ", " vih+"]
    assert patterns_for("séro+") == [" sero+"]
    assert patterns_for("K. sein") == [" k sein ", " k sein+"]
    assert patterns_for("...") == []


def test_ambiguous_abbreviations_only_in_context():
    patterns = load_lexicon().pattern_ids
    for alone in ("ts", "sa", "k", "oh", "neo", "lithium", "ng", "imc", "cmi", "ipp", "gene"):
        assert f" {alone} " not in patterns, alone
    assert " atcd ts " in patterns
    assert " 00 sa " in patterns
    assert " k sein " in patterns


def test_custom_lexicon_from_a_file(tmp_path):
    path = tmp_path / "lexicon.json"
    path.write_text(json.dumps({"entries": [{"id": "HIV.x", "terms": ["Zorglub"]}]}))
    lexicon = load_lexicon(path)
    assert lexicon.pattern_ids == {" zorglub ": "HIV.x", " zorglub+": "HIV.x"}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "object with an `entries` list"),
        ({"entries": [{"terms": ["a"]}]}, "no string `id`"),
        ({"entries": [{"id": "hiv", "terms": ["a"]}]}, "CATEGORY.name"),
        ({"entries": [{"id": "FLU.x", "terms": ["a"]}]}, "known health category"),
        ({"entries": [{"id": "HIV.x", "terms": []}]}, "non-empty list"),
        ({"entries": [{"id": "HIV.x", "terms": ["a"]}, {"id": "HIV.x", "terms": ["b"]}]}, "twice"),
        ({"entries": [{"id": "HIV.x", "terms": ["!!"]}]}, "no letter or digit"),
    ],
)
def test_broken_lexicon_is_refused(document, message):
    with pytest.raises(DetectError, match=message) as raised:
        parse_lexicon(document, "lexicon.json")
    assert raised.value.where.startswith("lexicon.json")


def test_a_term_in_two_entries_is_refused_without_naming_the_term():
    document = {
        "entries": [
            {"id": "HIV.a", "terms": ["Séropositif"]},
            {"id": "CANCER.b", "terms": ["seropositif"]},
        ]
    }
    with pytest.raises(DetectError) as raised:
        parse_lexicon(document, "lexicon.json")
    assert "HIV.a" in str(raised.value)
    assert "entries[1]" in raised.value.where
    assert "seropositif" not in str(raised.value).lower()


def test_invalid_json_names_the_line(tmp_path):
    path = tmp_path / "lexicon.json"
    path.write_text('{\n  "entries": [\n')
    with pytest.raises(DetectError, match="not valid JSON") as raised:
        load_lexicon(path)
    assert raised.value.where.startswith(f"{path}:")
