"""The foreign evaluation set's generator: deterministic, readable by sceau, truthful.

Identifiers are checked against libraries sceau does not use for its own checks' truth
(python-stdnum, phonenumbers); the ground-truth conventions are checked on the vocabulary and on
generated cells. Nothing here asserts how well sceau scores on the set.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sqlite3
import unicodedata
from datetime import date
from pathlib import Path

import phonenumbers
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir
from tests.foreign import comment_vocab, identity
from tests.foreign.comments import CommentStyle, compose
from tests.foreign.generator import COMMENTS, LABELS, generate
from tests.foreign.score import load, score
from tests.foreign.vendors import DIALECTS

from sceau.detect.base import Category, HealthCategory
from sceau.sources.base import open_source

PATIENTS = 150
SEED = 7


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("foreign")
    generate(out, PATIENTS, SEED)
    return out


@pytest.fixture(scope="module")
def labels(folder: Path) -> dict:
    return load(folder)[0]


@pytest.fixture(scope="module")
def comments(folder: Path) -> list[dict]:
    return load(folder)[1]


def _tables(folder: Path, labels: dict) -> dict[str, pa.Table]:
    """Every table sceau's readers return, keyed as the labels key them."""
    read = {}
    for entry in labels["tables"].values():
        source = open_source(folder / entry["file"], **entry["reader_options"])
        for table in source.tables():
            path, hash_, name = table.name.partition("#")
            read[Path(path).name + hash_ + name] = pa.Table.from_batches(list(table.batches()))
    return read


@pytest.fixture(scope="module")
def tables(folder: Path, labels: dict) -> dict[str, pa.Table]:
    return _tables(folder, labels)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_seed_writes_the_same_bytes_and_another_seed_other_ones(tmp_path, folder):
    generate(tmp_path / "again", PATIENTS, SEED)
    generate(tmp_path / "other", PATIENTS, SEED + 1)
    assert _digests(tmp_path / "again") == _digests(folder)
    other = _digests(tmp_path / "other")
    assert all(other[name] != digest for name, digest in _digests(folder).items())


def test_every_file_opens_with_sceau_readers_and_labels_cover_every_column(labels, tables):
    for key, entry in labels["tables"].items():
        table = tables[key]  # views included: a view shows rows as surely as a table
        assert table.column_names == list(entry["columns"]), key
        assert table.num_rows == entry["rows"], key
        assert set(entry["columns"].values()) <= {c.value for c in Category}
        assert set(entry["comment_columns"]) <= set(entry["columns"])
    assert set(tables) <= set(labels["tables"])


def test_the_dialects_differ_as_promised(folder, labels, comments):
    raw = {d.vendor: (folder / d.file).read_bytes() for d in DIALECTS}
    assert raw["medilis"].startswith(b"\xef\xbb\xbf")
    raw["axilab"].decode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw["axilab"].decode("utf-8")
    assert raw["axilab"].count(b"\r\n") > PATIENTS
    assert raw["biogest"].count(b"\r\n") >= PATIENTS
    assert {d.delimiter for d in DIALECTS} == {";", ",", "\t", "|"}
    headerless = [
        k for k, e in labels["tables"].items() if e["reader_options"] == {"header": False}
    ]
    assert headerless == ["biogest_extract.txt"]
    first_line = raw["biogest"].split(b"\r\n", 1)[0].decode()
    assert re.fullmatch(r"\d+", first_line.split("\t")[0])  # data from the first line on
    for dialect in DIALECTS:  # line breaks inside comment cells, quoted
        texts = [line["text"] or "" for line in comments if line["table"] == dialect.file]
        assert any("\n" in text for text in texts), dialect.file
    assert any("\r\n" in (line["text"] or "") for line in comments)
    with sqlite3.connect(folder / "biogest_base.sqlite") as db:
        kinds = dict(db.execute("SELECT name, type FROM sqlite_master"))
        count = db.execute('SELECT sum("count(*)") FROM stat_prescripteur').fetchone()[0]
    db.close()
    assert kinds["v_activite_jour"] == "view"
    assert kinds["stat_prescripteur"] == "table"
    assert count == labels["tables"]["biogest_base.sqlite#demande"]["rows"]


def test_nested_json_keeps_nirs_in_an_entities_object(folder, labels):
    first = json.loads((folder / "medilis_sync.jsonl").read_text(encoding="utf-8").split("\n")[0])
    assert set(first["entities"]) == {"nir", "nirOuvrantDroit"}
    assert isinstance(first["patient"]["adresse"], dict)
    columns = labels["tables"]["medilis_sync.jsonl"]["columns"]
    assert columns["entities.nir"] == columns["entities.nirOuvrantDroit"] == "NIR"


def _values(tables: dict, labels: dict, category: str) -> list[str]:
    values = []
    for key, entry in labels["tables"].items():
        for column, truth in entry["columns"].items():
            if truth == category and key in tables:
                values += [v for v in tables[key].column(column).to_pylist() if v is not None]
    return values


def test_identifiers_are_valid_by_independent_oracles(tables, labels):
    nirs = _values(tables, labels, "NIR")
    assert len(nirs) > 5 * PATIENTS
    assert all(stdnum_nir.is_valid(v) for v in nirs)
    assert any(" " in v for v in nirs)
    assert any(" " not in v for v in nirs)
    assert any(stdnum_nir.compact(v)[5:7] in {"2A", "2B"} for v in nirs)
    finess = set(_values(tables, labels, "FINESS"))
    assert len(finess) == 4
    assert {f[:2] for f in finess} >= {"2A", "2B"}
    assert all(luhn.is_valid(f.replace("2A", "20").replace("2B", "20")) for f in finess)
    rpps = _values(tables, labels, "PRACTITIONER_ID")
    assert all(len(v) == 11 and luhn.is_valid(v) for v in rpps)
    phones = _values(tables, labels, "PHONE")
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(v, "FR")) for v in phones)
    for prefix in ("+33", "0033", "06", "07"):
        assert any(v.startswith(prefix) for v in phones), prefix
    assert any("." in v for v in phones)
    assert any(re.fullmatch(r"0\d{9}", v) for v in phones)


def test_logins_come_name_derived_mail_like_and_numeric(tables, labels):
    logins = _values(tables, labels, "LOGIN")
    assert any(re.fullmatch(r"[a-z]+\d{6}", v) for v in logins)  # dubois170203
    assert any("@" in v for v in logins)
    assert any(v.isdigit() for v in logins)


@settings(deadline=None)  # a loaded machine is not a wrong answer
@given(
    seed=st.integers(0, 2**32),
    born=st.dates(date(1920, 1, 1), date(2021, 1, 1)),
    place=st.sampled_from([*(c[0] for c in identity.COMMUNES), None]),
    sex=st.sampled_from("12"),
)
def test_nir_finess_rpps_and_phones_always_check(seed, born, place, sex):
    rng = random.Random(seed)
    value = identity.nir(rng, sex, born, place)
    for style in ("compact", "spaced", "key"):
        assert stdnum_nir.is_valid(identity.nir_form(value, style))
    assert stdnum_nir.compact(value)[1:5] == f"{born.year % 100:02d}{born.month:02d}"
    dept = identity.department(place or "75001")
    assert luhn.is_valid(identity.finess(rng, dept).replace("2A", "20").replace("2B", "20"))
    assert luhn.is_valid(identity.rpps(rng))
    number = identity.phone_number(rng, mobile=rng.random() < 0.5)
    for style in identity.PHONE_STYLES:
        parsed = phonenumbers.parse(identity.phone_form(number, style), "FR")
        assert phonenumbers.is_valid_number(parsed), style
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == (
            "+33" + number[1:]
        )


_PROJECT_CONVENTIONS = {
    "sous AZT": {"HIV", "TREATMENT"},
    "chimio J8": {"CANCER", "TREATMENT"},
    "pilule (Leeloo)": {"SEXUAL_HEALTH", "TREATMENT"},
    "Subutex 8mg": {"ADDICTION", "TREATMENT"},
    "lithium": {"MENTAL_HEALTH", "TREATMENT"},
    "Stilnox": {"MENTAL_HEALTH", "TREATMENT"},
    "sous anticoag": {"TREATMENT"},
    "levothyrox 100": {"TREATMENT"},
    "sérologie VIH négative": {"HIV"},
    "β-HCG négatifs": {"PREGNANCY"},
    "Huntington familial, test présymptomatique": {"GENETIC"},
    "NFS avant chimio": {"CANCER", "TREATMENT"},
}
_TRAPS = (
    "pas de diabète",
    "absence de métastase",
    "pas de traitement en cours",
    "jamais fumé",
    "mère décédée d'un K du sein",
    "ATCD familiaux de diabète",
    "suspicion de grossesse",
    "? grossesse",
    "bénévole à la Ligue contre le cancer",
    "infirmière en oncologie (collègue)",
    "travaille à la maternité",
    "fils en stage au labo de génétique",
    "RDV pris, parking de l'institut du cancer",
)


def test_the_vocabulary_follows_the_labelling_conventions():
    positive = {text: set(categories) for text, categories in comment_vocab.POSITIVE}
    for text, categories in _PROJECT_CONVENTIONS.items():
        assert positive[text] == categories, text
    assert set(_TRAPS) <= set(comment_vocab.HARD_NEGATIVE)
    assert {c for cats in positive.values() for c in cats} == {c.value for c in HealthCategory}
    lists = (
        list(positive),
        comment_vocab.HARD_NEGATIVE,
        comment_vocab.HARMLESS,
        comment_vocab.CLINICAL_OTHER,
    )
    every = [text for texts in lists for text in texts]
    assert len(every) == len(set(every)) >= 300  # a few hundred distinct phrasings


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("β", "b").replace("µ", "u"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_generated_cells_carry_their_phrases_truth(comments):
    single = {_fold(t): set(c) for t, c in comment_vocab.POSITIVE if "{" not in t}
    traps = {_fold(t) for t in comment_vocab.HARD_NEGATIVE if "{" not in t}
    checked = 0
    for line in comments:
        if line["text"] is None:
            assert line["health"] == []
            assert sum(line["identifiers"].values()) == 0
            continue
        folded = _fold(line["text"])
        if folded in single:
            assert set(line["health"]) == single[folded], line["text"]
            checked += 1
        elif folded in traps:
            assert line["health"] == [], line["text"]
            assert line["hard_negative"], line["text"]
            checked += 1
    assert checked > 50
    share = sum(line["hard_negative"] for line in comments) / len(comments)
    assert 0.1 < share < 0.2


def test_identifier_counts_in_comments_match_an_independent_phone_matcher(comments):
    with_phone = 0
    for line in comments:
        if line["text"] is None:
            continue
        found = len(list(phonenumbers.PhoneNumberMatcher(line["text"], "FR")))
        assert found == line["identifiers"]["PHONE"], line["text"]
        assert line["text"].count("@") == line["identifiers"]["EMAIL"], line["text"]
        with_phone += found
    assert with_phone > 20


def test_comment_cells_read_back_as_written(folder, labels, comments):
    by_column: dict[tuple[str, str], list[dict]] = {}
    for line in comments:
        by_column.setdefault((line["table"], line["column"]), []).append(line)
    read = _tables(folder, labels)
    for (key, column), lines in by_column.items():
        cells = read[key].column(column).to_pylist()
        assert cells == [line["text"] for line in sorted(lines, key=lambda x: x["row"])], column


def test_an_upper_case_terminal_keeps_the_truth_of_a_phrase():
    rng = random.Random(1)
    style = CommentStyle(upper=1.0, ascii_only=True)
    for _ in range(200):
        comment = compose(rng, _NoFaker(), "clinical", style)
        if comment.text is not None:
            comment.text.encode("cp1252")
            assert comment.text == comment.text.upper()


class _NoFaker:
    """Names for the e-mail phrases without building a Faker."""

    def first_name(self) -> str:
        return "Zoé"

    def last_name(self) -> str:
        return "Le Goff"


@pytest.mark.slow
def test_the_scorer_counts_every_labelled_column_and_cell_once(folder, labels, comments):
    figures = score(folder)
    columns, health = figures["columns"], figures["health"]
    assert columns["total"] == sum(len(e["columns"]) for e in labels["tables"].values())
    assert columns["correct"] + len(columns["wrong"]) == columns["total"]
    assert columns["unread_tables"] == []
    assert columns["unlabelled_columns"] == []
    assert health["cells"] == len(comments)
    for category, row in health["per_category"].items():
        assert row["support"] == sum(category in line["health"] for line in comments)
    hard = health["hard_negatives"]
    assert hard["cells"] == sum(line["hard_negative"] for line in comments)
    assert (folder / LABELS).is_file()
    assert (folder / COMMENTS).is_file()
