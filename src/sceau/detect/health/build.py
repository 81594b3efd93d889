"""Derive sceau's terminology file from AP-HP's edsnlp: ``python -m sceau.detect.health.build``.

sceau does not depend on edsnlp at run time (its NLP stack is hundreds of megabytes for two data
files); this module, run by a developer with the ``dev`` extra installed, reads edsnlp's French
drug list (``resources/drugs.json``: ATC code → brand names and molecules) and its CIM-10 labels
(``resources/cim10.csv.gz``), keeps what counts as one of sceau's health categories
(:mod:`sceau.detect.health.codes`), and writes ``terminology.json`` beside this file, folded as
comments are. A test rebuilds it from the installed edsnlp and compares, so it cannot drift.

What is kept, and why (docs/categories.md says the same to users):

- **Drugs**: every name of a counted ATC class (not vitamins, saline, contrast agents…), at least
  four letters long, that is not an ATC class label ("autres anxiolytiques"). A name filed under
  several codes counts as the code that claims least (methotrexate: L04AX03 TREATMENT, not
  L01BA01 CANCER + TREATMENT). A name that is also an everyday French word (wordfreq's Zipf
  frequency at least :data:`COMMON_ZIPF`: "fer", "solution"), a person's name or a commune in
  sceau's lexicons ("Diane", "Jasmine"), or something a lab measures or its tubes hold
  (``lab_words.txt``: héparine, insuline) is *gated*: it counts only next to a word of
  treatment or a dose.
- **Diagnoses**: CIM-10 labels are long ("Tumeur maligne du col de l'utérus, sans précision"), so
  usable terms are derived from the labels of counted codes: the label's head (before a comma, a
  colon or a qualifier such as "avec", "sans", "dû à"), its first one or two content words, and a
  word between brackets ("[VIH]"); a malignant tumour of an organ also gives "cancer", "K" and
  "néo" of that organ. A term is kept only if it is *distinctive*: among all CIM-10 labels that
  contain it, at least :data:`DISTINCTIVE` of them count as the same categories ("lymphome" is;
  "maladie", "syndrome", "troubles mentaux" are not), and, for a single word, it is not an
  everyday French word.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.metadata
import importlib.util
import io
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from sceau.detect.base import DetectError
from sceau.detect.health.codes import atc_categories, cim10_categories
from sceau.detect.health.fold import fold_term
from sceau.detect.lexicons import load_communes, load_words

OUTPUT = Path(__file__).with_name("terminology.json")
COMMON_ZIPF = 3.5  # wordfreq: about one word in 300,000 of everyday French text, or more often
DISTINCTIVE = 0.9  # share of CIM-10 labels holding a term that must count as its categories
MIN_LETTERS = 4
_HINT = "pip install 'sceau[dev]' (it brings edsnlp and wordfreq), then run the build again"
_CLASS_LABEL = {  # first words of ATC class labels filed among drug names
    "associations", "association", "autres", "autre", "divers", "diverses", "medicaments",
    "preparations", "produits", "agents", "substances", "derives",
}  # fmt: skip
_GENERIC = {  # first words of CIM-10 labels that name no condition alone
    "maladie", "maladies", "syndrome", "syndromes", "trouble", "troubles", "tumeur", "tumeurs",
    "infection", "infections", "affection", "affections", "anomalie", "anomalies", "autres",
    "autre", "examen", "surveillance", "soins", "deficit", "carence", "lesion", "lesions", "etat",
    "etats", "sujets", "difficultes", "difficulte", "antecedents", "sequelles", "complications",
    "atteinte", "insuffisance", "dependance", "presence", "reaction", "forme", "formes", "type",
    "episode", "personne", "mise", "prise", "conseil", "seance", "contact", "facteurs", "mesures",
    "intoxication", "utilisation", "usage", "abus", "limites", "resultats", "accouchement",
    "travail", "contraception", "greffe", "rupture", "suite", "suites", "absence", "menace",
}  # fmt: skip
_NOT_A_CONDITION = {  # derived words that name no condition alone, or a lab's own word
    "mole", "deficience", "evitante", "affectif", "affectifs", "polyglobulie", "flashbacks",
    "sterilite", "rearrangements", "deletions", "phenotype", "mastopathies", "produits anormaux",
    "phenotype masculin", "hemorragie precedant",
}  # fmt: skip
SPECIALISED_ZIPF = 3.0  # a derived term needs one word rarer than this in everyday French
_STOP = {"de", "du", "des", "d", "la", "le", "les", "l", "a", "au", "aux", "en", "et", "par"}
_QUALIFIER = re.compile(r" (?:avec|sans|non classee?s?|a l origine) ")
_MALIGNANT = re.compile(r"^tumeur maligne ((?:du|de la|de l|des) [a-z ]+)\Z")


def _edsnlp_resources() -> tuple[dict[str, list[str]], list[dict[str, str]], str]:
    """edsnlp's drug list and CIM-10 rows, and its version; a clear error when it is missing.

    The package is located, not imported: importing edsnlp changes spaCy's registries for the
    whole process (a spaCy model loaded afterwards no longer finds its components).
    """
    spec = importlib.util.find_spec("edsnlp")
    if spec is None or not spec.submodule_search_locations:
        raise DetectError(
            "edsnlp is not installed: the terminology is built from its resources", hint=_HINT
        )
    base = Path(next(iter(spec.submodule_search_locations))) / "resources"
    drugs = json.loads((base / "drugs.json").read_text(encoding="utf-8"))
    with gzip.open(base / "cim10.csv.gz", "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return drugs, rows, importlib.metadata.version("edsnlp")


def _zipf() -> Any:
    try:
        from wordfreq import zipf_frequency
    except ImportError:
        raise DetectError("wordfreq is not installed", hint=_HINT) from None
    return lambda text: zipf_frequency(text, "fr")


def _people_and_places() -> set[str]:
    """Folded first names, surnames and communes: a drug named like them is gated."""
    names = {fold_term(w) for w in (*load_words("first_names"), *load_words("surnames"))}
    return names | {fold_term(c.name) for c in load_communes()}


def lab_words() -> set[str]:
    """Folded ``lab_words.txt``: what a lab measures or its tubes hold."""
    text = resources.files(__package__).joinpath("lab_words.txt").read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return {fold_term(line) for line in lines if line and not line.startswith("#")}


def _letters(term: str) -> int:
    return sum(c.isalpha() for c in term)


def drug_names(
    drugs: dict[str, list[str]], zipf: Any, gate_words: set[str]
) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, int]]:
    """(counted names by ATC code, gated names by ATC code, what was left out and why)."""
    codes_of: dict[str, set[str]] = defaultdict(set)
    left_out: dict[str, int] = defaultdict(int)
    for code, names in drugs.items():
        for name in names:
            folded = fold_term(name)
            if _letters(folded) < MIN_LETTERS:
                left_out["shorter than four letters"] += 1
            elif folded.split()[0] in _CLASS_LABEL or (len(code) < 7 and name.islower()):
                left_out["an ATC class label"] += 1
            else:
                codes_of[folded].add(code)
    counted: dict[str, list[str]] = defaultdict(list)
    gated: dict[str, list[str]] = defaultdict(list)
    for folded, codes in sorted(codes_of.items()):
        code = min(codes, key=lambda c: (len(atc_categories(c)), c))  # the one claiming least
        if not atc_categories(code):
            left_out["in a class not counted (vitamins, saline, contrast…)"] += 1
        elif folded in gate_words or zipf(folded) >= COMMON_ZIPF:
            gated[code].append(folded)
        else:
            counted[code].append(folded)
    return dict(counted), dict(gated), dict(left_out)


def _clean(label: str) -> tuple[str, list[str]]:
    """A label without edsnlp's markers and parentheses; and the words between its brackets."""
    label = re.sub(r"\*\*\*[^*]*\*\*\*", " ", label)
    label = re.sub(r"\([^)]*\)", " ", label)
    bracketed = re.findall(r"\[([^\]]*)\]", label)
    return re.sub(r"\[[^\]]*\]", " ", label), bracketed


def label_terms(code: str, label: str) -> set[str]:
    """The candidate terms of one CIM-10 label, folded (before the distinctiveness filter).

    Single words and two-word heads come only from the labels of three-character categories
    ("Schizophrénie", "Leucémie lymphoïde"): a sub-code's first word is too often a qualifier.
    """
    text, bracketed = _clean(label)
    head = fold_term(re.split(r"[,:;]", text)[0])
    head = re.sub(r"^autres? ", "", head)
    short = _QUALIFIER.split(f" {head} ")[0].strip()
    short = re.sub(r" (?:sans precision|non precisee?s?|sai)$", "", short)
    candidates = {head, short, *(fold_term(b) for b in bracketed)}
    words = [w for w in short.split() if w not in _STOP]
    if len(code) == 3 and words and words[0] not in _GENERIC:
        candidates.add(words[0])
        if len(words) > 1:
            candidates.add(" ".join(short.split()[: short.split().index(words[1]) + 1]))
    organ = _MALIGNANT.match(short)
    if organ and len(organ.group(1).split()) <= 4:
        candidates |= {f"{word} {organ.group(1)}" for word in ("cancer", "k", "neo")}
    return {c for c in candidates if _letters(c) >= MIN_LETTERS and len(c.split()) <= 8}


def _labels_holding(labels: list[tuple[str, str]]) -> dict[str, set[int]]:
    """For each word, the index of every label that holds it."""
    holding_word: dict[str, set[int]] = defaultdict(set)
    for index, (_, text) in enumerate(labels):
        for word in text.split():
            holding_word[word].add(index)
    return holding_word


def _codes_deriving(rows: list[dict[str, str]]) -> dict[str, set[str]]:
    """Each term derived from the labels of health codes, with the codes it comes from."""
    sources: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if cim10_categories(row["code"]):
            for term in label_terms(row["code"], row["long"]):
                sources[term].add(row["code"])
    return sources


def diagnosis_terms(
    rows: Iterable[dict[str, str]], zipf: Any, names: set[str]
) -> tuple[dict[str, list[str]], dict[str, int]]:
    """(derived terms by CIM-10 code, what was left out and why)."""
    rows = list(rows)
    labels = [(row["code"], f" {fold_term(re.sub(r'[][]', ' ', row['long']))} ") for row in rows]
    holding_word = _labels_holding(labels)
    sources = _codes_deriving(rows)
    left_out: dict[str, int] = defaultdict(int)
    by_code: dict[str, list[str]] = defaultdict(list)
    for term, codes in sorted(sources.items()):
        categories = {cim10_categories(code) for code in codes}
        if len(categories) > 1:
            left_out["derived from codes of different categories"] += 1
            continue
        (wanted,) = categories
        words = [holding_word.get(word, set()) for word in term.split()]
        holding = [labels[i][0] for i in set.intersection(*words) if f" {term} " in labels[i][1]]
        share = sum(cim10_categories(code) == wanted for code in holding) / max(len(holding), 1)
        if holding and share < DISTINCTIVE:
            left_out["not distinctive"] += 1
        elif term in _NOT_A_CONDITION or term in names:
            left_out["a word that names no condition alone, or a name"] += 1
        elif min(zipf(word) for word in term.split()) >= SPECIALISED_ZIPF:
            left_out["everyday words only"] += 1
        else:
            by_code[min(codes, key=lambda c: (len(c), c))].append(term)
    return dict(by_code), dict(left_out)


def build() -> tuple[dict[str, Any], dict[str, Any]]:
    """(the terminology document, a summary of what was kept and left out)."""
    drugs, rows, version = _edsnlp_resources()
    zipf, names = _zipf(), _people_and_places()
    counted, gated, drugs_left = drug_names(drugs, zipf, names | lab_words())
    diagnoses, diagnoses_left = diagnosis_terms(rows, zipf, names)
    document = {
        "about": (
            "Generated by `python -m sceau.detect.health.build` from edsnlp "
            f"{version} (resources/drugs.json, resources/cim10.csv.gz; BSD-3-Clause, "
            "copyright Assistance Publique - Hôpitaux de Paris: see terminology-NOTICE.txt). "
            "Do not edit: rebuild. Terms are folded as comments are. `atc`: drug names by ATC "
            "code; `atc_gated`: names that count only next to a word of treatment or a dose; "
            "`cim10`: terms derived from CIM-10 labels, by code."
        ),
        "edsnlp": version,
        "atc": {code: sorted(terms) for code, terms in sorted(counted.items())},
        "atc_gated": {code: sorted(terms) for code, terms in sorted(gated.items())},
        "cim10": {code: sorted(terms) for code, terms in sorted(diagnoses.items())},
    }
    summary = {
        "drug names counted": sum(map(len, counted.values())),
        "drug names gated": sum(map(len, gated.values())),
        "drug names left out": drugs_left,
        "CIM-10 terms": sum(map(len, diagnoses.values())),
        "CIM-10 codes with terms": len(diagnoses),
        "CIM-10 terms left out": diagnoses_left,
        "gated": sorted(term for terms in gated.values() for term in terms),
    }
    return document, summary


def render(document: dict[str, Any]) -> str:
    """The file's text: one code a line, so that a rebuild's diff reads code by code."""
    out = io.StringIO()
    out.write("{\n")
    out.write(f'  "about": {json.dumps(document["about"], ensure_ascii=False)},\n')
    out.write(f'  "edsnlp": {json.dumps(document["edsnlp"])}')
    for section in ("atc", "atc_gated", "cim10"):
        out.write(f',\n  "{section}": {{\n')
        lines = [
            f"    {json.dumps(code)}: {json.dumps(terms, ensure_ascii=False)}"
            for code, terms in document[section].items()
        ]
        out.write(",\n".join(lines))
        out.write("\n  }")
    out.write("\n}\n")
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUTPUT, help="where to write the file")
    parser.add_argument("--summary", action="store_true", help="print what was kept and why")
    args = parser.parse_args(argv)
    try:
        document, summary = build()
    except DetectError as error:
        print(f"error: {error}\nhint: {error.hint}", file=sys.stderr)
        return 1
    args.out.write_text(render(document), encoding="utf-8")
    counts = [summary[k] for k in ("drug names counted", "drug names gated", "CIM-10 terms")]
    print(f"wrote {args.out}: {counts[0]} drug names, {counts[1]} gated, {counts[2]} CIM-10 terms")
    if args.summary:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
