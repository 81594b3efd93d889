"""The classifier on exports it never saw: other header spellings, other value forms, no header.

Every column here is written by hand (tests/detect/handmade.py), one test per mistake seen on
another generator's exports, and the credential verdicts are held stable across file and
sample sizes.
"""

from __future__ import annotations

import random
import uuid

import polars as pl
import pytest
import sqlalchemy as sa

from sceau.detect.base import Category, Subject, registered
from sceau.detect.classify import HEADER_ONLY, Classification, classify_column
from sceau.detect.scan import ScanOptions, scan

from . import handmade as hm

C = Category
DETECTORS = list(registered())


def classify(name: str, values: list[str | None]) -> Classification:
    return classify_column(name, pl.Series(name, values, dtype=pl.String), DETECTORS)


def category(name: str, values: list[str | None]) -> Category:
    return classify(name, values).finding.category


def rng(seed: int = 5) -> random.Random:
    return random.Random(seed)


def draw(pool: list[str], n: int) -> list[str]:
    chosen = rng()
    return [chosen.choice(pool) for _ in range(n)]


# --- birth dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", ["DATE_NAISS", "DT_NAIS", "DNAIS", "NE_LE", "NAISS", "dob", "birth_dt", "DtNaiss"]
)
def test_a_birth_date_header_in_any_spelling_flags_the_birth_date(header):
    assert category(header, hm.birth_dates(200, rng())) is C.BIRTH_DATE


@pytest.mark.parametrize("header", ["LIEU_NAISS", "VILLE_NAIS", "birthplace"])
def test_where_someone_was_born_is_a_city(header):
    cities = draw(hm.CITIES, 100)
    assert category(header, cities) is C.CITY


def test_a_bare_date_header_lets_the_spread_of_the_dates_speak():
    assert category("DATE", hm.birth_dates(200, rng())) is C.BIRTH_DATE
    assert category("DATE_DERN_VISITE", hm.birth_dates(200, rng())) is C.DATE  # it says visit


# --- addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["ADR2", "ADR3", "CPLT_ADR", "addr_line2"])
@pytest.mark.parametrize("pool", [hm.SECOND_LINES, hm.SECOND_LINES_IN_WORDS])
def test_second_address_lines_under_an_address_header_are_addresses(header, pool):
    result = classify(header, draw(pool, 150))
    assert result.finding.category is C.ADDRESS
    assert not result.is_text


@pytest.mark.parametrize(
    ("header", "subject"),
    [("ADR_PRELEVEUR", Subject.SAMPLER), ("ADRESSE_ORGANISME", Subject.INSURER)],
)
def test_addresses_written_as_one_phrase_are_addresses_of_whom_the_header_says(header, subject):
    phrases = draw(hm.ONE_PHRASE_ADDRESSES, 150)
    finding = classify(header, phrases).finding
    assert (finding.category, finding.subject) == (C.ADDRESS, subject)


def test_comments_read_as_text_under_no_header_a_weak_one_or_an_address_header():
    notes = draw(hm.PROSE_COMMENTS, 150)
    assert classify("column_4", notes).is_text
    assert classify("LIGNE", notes).is_text  # a weak address header: prose stays prose
    assert classify("ADRESSE", notes).is_text  # nothing in them is an address


# --- logins and passwords --------------------------------------------------------------------


@pytest.mark.parametrize("header", ["SR", "IDENT_SR", "LOGIN_PORTAIL", "user_id", "column_12"])
@pytest.mark.parametrize("make", [hm.name_logins, hm.logins])
def test_logins_built_from_names_are_logins(header, make):
    assert category(header, make(300, rng())) is C.LOGIN


@pytest.mark.parametrize("header", ["MDP_SR", "PWD", "pwd", "MDP_PORTAIL", "column_13"])
@pytest.mark.parametrize("make", [hm.strong_passwords, hm.chosen_passwords])
def test_passwords_are_passwords(header, make):
    assert category(header, make(300, rng())) is C.PASSWORD


def test_e_mail_and_numeric_logins_under_a_login_header_are_logins():
    mails = [f"{login}@example.org" for login in hm.logins(200, rng())]
    numbers = [str(n) for n in rng().sample(range(10**8, 10**9), 200)]
    assert category("LOGIN_PORTAIL", mails) is C.LOGIN
    assert category("IDENT_SR", numbers) is C.LOGIN
    assert category("column_2", mails) is C.EMAIL  # without a header it is an e-mail address


def test_password_hashes_are_not_passwords_in_clear():
    digits = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    chosen = rng()
    hashes = ["$2b$12$" + "".join(chosen.choice(digits) for _ in range(53)) for _ in range(100)]
    assert category("MDP_SR", hashes) is C.PASSWORD_HASH
    assert category("column_6", hashes) is C.PASSWORD_HASH


SIZES = (100, 1_000, 20_000)
SAMPLES = (100, 1_000, 10_000)
CREDENTIAL_COLUMNS = {
    "name logins": (hm.name_logins, C.LOGIN),
    "mixed logins": (hm.logins, C.LOGIN),
    "generated passwords": (hm.strong_passwords, C.PASSWORD),
    "chosen passwords": (hm.chosen_passwords, C.PASSWORD),
}


@pytest.mark.parametrize("header", ["SR", "column_3"])
@pytest.mark.parametrize("kind", sorted(CREDENTIAL_COLUMNS))
def test_the_verdict_does_not_move_with_the_file_or_the_sample_size(header, kind):
    make, expected = CREDENTIAL_COLUMNS[kind]
    verdicts = set()
    for size in SIZES:
        column = make(size, rng(size))
        for sample in SAMPLES:
            if sample <= size:
                verdicts.add(category(header, column[:sample]))
    assert verdicts == {expected}


# --- constants and codes without a header ----------------------------------------------------


def test_a_constant_code_without_header_is_no_credential():
    finding = classify("column_1", ["LBM-21-438"] * 200).finding
    assert finding.category is C.OTHER
    assert finding.category.sensitivity.value == "none"
    assert any("constant" in e.detail for e in finding.evidence)


def test_a_few_codes_repeated_without_header_are_no_credential():
    assert category("column_1", draw(hm.LAB_CODES, 300)) is C.OTHER


def test_a_constant_is_personal_only_if_a_checksum_says_so():
    assert category("column_1", [hm.finess("69", rng())] * 200) is C.FINESS
    assert category("column_2", ["04 78 12 34 56"] * 200) is C.OTHER  # the lab's own phone
    assert category("column_3", ["Lyon"] * 200) is C.OTHER


def test_third_party_payment_numbers_without_header_are_insurer_ids():
    numbers = draw(hm.TP_NUMBERS, 300)
    result = classify("column_8", numbers)
    assert result.finding.category is C.INSURER_ID
    assert any(e.source == "distribution" for e in result.finding.evidence)
    with_nothing = draw([*hm.TP_NUMBERS, "0", "NEANT", "-"], 300)
    assert category("column_8", with_nothing) is C.INSURER_ID  # placeholders say nothing


# --- organisations, header-only guesses, aggregates -----------------------------------------


@pytest.mark.parametrize("header", ["ORGANISME_COMPL", "ORG_COMPL", "MUT", "insurer", "payer"])
def test_an_insurers_name_is_not_its_number(header):
    finding = classify(header, draw(hm.INSURER_NAMES, 200)).finding
    assert (finding.category, finding.subject) == (C.OTHER, Subject.INSURER)


def test_an_organisation_header_over_numbers_is_its_number():
    numbers = draw(hm.TP_NUMBERS, 200)
    assert category("ORGANISME", numbers) is C.INSURER_ID
    assert category("TP", numbers) is C.INSURER_ID


def test_a_verdict_on_the_header_alone_says_so_and_is_unsure():
    names = draw(hm.INSURER_NAMES, 200)
    finding = classify("NUM_AMC", names).finding
    assert finding.category is C.INSURER_ID
    assert finding.confidence <= HEADER_ONLY < 0.5
    assert any(e.detail.startswith("header only") for e in finding.evidence)
    empty = classify("N_SS", [None, ""]).finding
    assert empty.category is C.NIR
    assert empty.confidence <= HEADER_ONLY


@pytest.mark.parametrize("header", ["count(*)", "count", "COUNT", "nb_patients", "total", "sum(x)"])
def test_aggregates_are_not_record_ids(header):
    counts = [str(n) for n in rng().sample(range(1, 5_000), 40)]
    assert category(header, counts) is C.OTHER


def test_small_integers_are_counts_not_record_ids_even_without_header():
    distinct_counts = [str(n) for n in rng().sample(range(1, 400), 30)]  # a 30-row summary
    repeated = draw([str(n) for n in range(1, 13)], 500)
    assert category("column_1", distinct_counts) is C.OTHER
    assert category("column_1", repeated) is C.OTHER
    assert category("column_1", [str(n) for n in range(1, 301)]) is C.RECORD_ID  # a sequence
    assert category("column_1", [f"{n:07d}" for n in range(5_000, 5_300)]) is C.RECORD_ID


# --- evidence --------------------------------------------------------------------------------


def test_the_evidence_names_only_what_supports_the_verdict():
    finding = classify("column_9", [hm.finess("75", rng())] * 300).finding
    assert finding.category is C.FINESS
    support = [e.detail for e in finding.evidence if e.source != "alternative"]
    assert not any("INSURER_ID" in d or "PRACTITIONER_ID" in d for d in support)
    alternatives = [e for e in finding.evidence if e.source == "alternative"]
    assert all(e.weight == 0 and e.detail.startswith("also looked like") for e in alternatives)
    login = classify("SR", hm.name_logins(300, rng())).finding
    assert not any("PASSWORD" in e.detail for e in login.evidence)


def test_evidence_never_quotes_a_value():
    values = hm.logins(100, rng())
    for header in ("SR", "column_5", "IDENT_SR"):
        for evidence in classify(header, values).finding.evidence:
            assert not any(value in evidence.detail for value in values)


# --- through a whole scan: files of every size, samples of every size, real databases ------


def _export(path, rows: int) -> None:
    """A headerless export: login, password, third-party-payment number, lab code, comment."""
    r = rng(rows)
    columns = [
        hm.logins(rows, r),
        hm.strong_passwords(rows, r),
        [r.choice(hm.TP_NUMBERS) for _ in range(rows)],
        [r.choice(hm.LAB_CODES) for _ in range(rows)],
        [r.choice(hm.PROSE_COMMENTS) for _ in range(rows)],
    ]
    lines = (";".join(row) for row in zip(*columns, strict=True))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_headerless_export_scans_the_same_at_every_size(tmp_path):
    expected = [C.LOGIN, C.PASSWORD, C.INSURER_ID, C.OTHER, C.HEALTH_TEXT]  # "traitement"
    for rows in SIZES:
        path = tmp_path / f"export-{rows}.csv"
        _export(path, rows)
        for sample in SAMPLES:
            (table,) = scan([path], options=ScanOptions(sample_rows=sample)).tables
            assert [c.category for c in table.columns] == expected, (rows, sample)
            assert table.rows == rows


@pytest.mark.parametrize(
    "url",
    ["postgresql://postgres@127.0.0.1:5432/test", "mysql://root@127.0.0.1:3306/test"],
)
def test_a_count_in_a_database_is_not_a_record_id(url):
    engine = sa.create_engine(
        url.replace("postgresql://", "postgresql+psycopg://").replace(
            "mysql://", "mysql+pymysql://"
        )
    )
    source, summary = f"cities_{uuid.uuid4().hex[:10]}", f"per_city_{uuid.uuid4().hex[:10]}"
    r = rng()
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE TABLE {source} (ville VARCHAR(40), age INTEGER)"))
            rows = [{"v": r.choice(hm.CITIES), "a": r.randint(1, 99)} for _ in range(2_000)]
            connection.execute(sa.text(f"INSERT INTO {source} VALUES (:v, :a)"), rows)
            connection.execute(
                sa.text(
                    f"CREATE TABLE {summary} AS SELECT ville, count(*), sum(age) "
                    f"FROM {source} GROUP BY ville"
                )
            )
        (table,) = scan([f"{url}#{summary}"]).tables
        found = {c.name: c.category for c in table.columns}
        assert found.pop("ville") is C.CITY
        assert set(found.values()) == {C.OTHER}, found  # count / count(*), sum / sum(age)
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {summary}"))
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {source}"))
        engine.dispose()
