"""Names in free text: what goes, what stays as a word, and why (docs/treatments.md)."""

from __future__ import annotations

import polars as pl
import pytest

from sceau.detect.health.lexicon import load_lexicon
from sceau.protect.names import NAME, lexicon, name_words, redact_names

GOES = {
    # a name of the lists written with a capital
    "vu avec Martin": "vu avec [NAME]",
    "RAPPELER DUBOIS DEMAIN": "RAPPELER [NAME] DEMAIN",
    "Jean-Pierre appelle": "[NAME] appelle",
    # after a title: a capitalised word, listed or not; a listed name whatever its case
    "Dr Kowalczyk prévenu": "Dr [NAME] prévenu",
    "mme martin au téléphone": "mme [NAME] au téléphone",
    "M. de Sousa, Mme van der Berg": "M. [NAME], Mme [NAME]",
    "Dr Jean-Marc Kowalczyk": "Dr [NAME]",
    "Me Dupont, avocat": "Me [NAME], avocat",
    "Mme Petit et Dr Masse": "Mme [NAME] et Dr [NAME]",
    # next to a first name
    "Marie Kowalczyk, KOWALCZYK Marie": "[NAME], [NAME]",
    "N'Diaye Fatou": "[NAME] Fatou",
    # a name that is also a word, next to another name
    "PETIT Marie, Claire DUPONT": "[NAME], [NAME]",
}
STAYS = [
    "Petit hématome au pli du coude",
    "MASSE ABDOMINALE, URINES CLAIRES",
    "Frère à prévenir, voisin présent",
    "automate Roche en panne, envoyé à l'Institut Pasteur",
    "maladie de Wilson, syndrome de Gilbert, Wilson's disease",
    "maladie de Charcot-Marie-Tooth, syndrome de Guillain-Barré",
    "suivi à Gustave Roussy, puis au Centre Léon Bérard",
    "hôpital Saint-Louis, CHU de Nancy",
    "recherche M. genitalium",
    "COPIE AU DR TRAITANT",
    "Dr traitant prévenu",
    "appeler martin demain",  # lower case without a title: nothing tells it from a word
    "Mme la directrice, M. le maire",
    "le [PHONE] et le [DATE]",
]


@pytest.mark.parametrize(("text", "redacted"), GOES.items())
def test_names_go(text, redacted):
    assert redact_names(pl.Series([text])).item() == redacted


@pytest.mark.parametrize("text", STAYS)
def test_words_stay(text):
    assert redact_names(pl.Series([text])).item() == text


def test_nulls_and_empty_texts_stay():
    values = pl.Series("c", [None, "", "RAS", "Martin"])
    assert redact_names(values).to_list() == [None, "", "RAS", NAME]
    assert redact_names(values).name == "c"


def test_no_health_term_loses_a_word():
    """sceau's own health vocabulary is written in every case and nothing of it goes: the names
    it shares with the lists are on name_words.txt or in an eponym."""
    terms = sorted({term for entry in load_lexicon().entries for term in entry.terms})
    forms = pl.Series(terms + [t[:1].upper() + t[1:] for t in terms] + [t.upper() for t in terms])
    redacted = redact_names(forms)
    assert redacted.filter(redacted != forms).to_list() == []


def test_the_placeholders_and_name_words_are_what_the_lists_say():
    every, first = lexicon()
    assert first <= every
    assert name_words() <= every  # a word on the list that is no name is a typo
    for placeholder in ("EMAIL", "IBAN", "NIR", "PHONE", "DATE", "ID", "NAME"):
        text = f"le [{placeholder}] puis [{placeholder}]"
        assert redact_names(pl.Series([text])).item() == text
