"""Parsing a mandate: every field checked, every error naming its field, nothing unknown let by."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from sceau.mandate.model import MandateError, Treatment
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import allowed_columns

from . import EXAMPLE, SOURCE_COLUMNS


def parse(text: str):
    return parse_mandate(text.encode("utf-8"), where="m.toml")


def refused(text: str) -> MandateError:
    with pytest.raises(MandateError) as caught:
        parse(text)
    return caught.value


def drop_field(text: str, dotted: str) -> str:
    """``text`` without the field ``section.key`` (a key spanning several lines included)."""
    section, _, key = dotted.rpartition(".")
    current, depth, out = "", 0, []
    for line in text.splitlines():
        stripped = line.strip()
        if depth:
            depth += stripped.count("[") - stripped.count("]")
            continue
        if stripped.startswith("[") and "=" not in stripped:
            current = stripped.strip("[]")
        elif current == section and stripped.startswith(f"{key} ="):
            depth = stripped.count("[") - stripped.count("]")
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def test_the_example_parses_whole():
    mandate = parse(EXAMPLE)
    assert mandate.mandate_id == "lab-a-2019-2020"
    assert mandate.controller.finess == "750000001"
    assert mandate.processor.finess is None
    assert mandate.valid_from == datetime(2026, 3, 1, tzinfo=UTC)
    assert mandate.valid_until == datetime(2026, 4, 1, tzinfo=UTC)
    assert mandate.source_columns == SOURCE_COLUMNS
    assert mandate.source_table is None
    assert mandate.create_table is True
    assert mandate.retention == timedelta(days=7)
    assert mandate.rows[0].one_of == ("750000001", "750000002")
    assert (mandate.rows[1].since, mandate.rows[1].until) == (date(2019, 1, 1), date(2021, 1, 1))
    assert mandate.target_columns == (
        "nir_token",
        "NOM_PAT",
        "birth_year",
        "department",
        "COMMENT1",
        "password_hash",
        "DT_DERN_VISITE",
    )


def test_treatments_with_their_options():
    mandate = parse(EXAMPLE)
    rules = {rule.source: rule for rule in mandate.columns}
    assert (rules["N_SS"].treatment, rules["N_SS"].option) == (Treatment.PSEUDONYMISE, "nir")
    assert rules["N_SS"].spec == "pseudonymise:nir"
    assert rules["DDN"].spec == "generalise:year"
    assert rules["CP_PAT"].option == "department"
    assert rules["COMMENT1"].treatment is Treatment.REDACT
    assert rules["MP"].treatment is Treatment.REHASH
    assert rules["FINESS"].target is None  # dropped: goes nowhere
    assert rules["NOM_PAT"].target == "NOM_PAT"  # no `to`: the source's name


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('DDN = { treatment = "generalise", detected = "BIRTH_DATE" }', "needs a level"),
        ('DDN = { treatment = "generalise:decade", detected = "DATE" }', "unknown treatment"),
        ('DDN = { treatment = "keep:year", detected = "DATE" }', "unknown treatment"),
        ('DDN = { treatment = "shred", detected = "DATE" }', "unknown treatment"),
        ('DDN = { detected = "DATE" }', "`treatment` is missing"),
        ('DDN = { treatment = "keep", colour = "blue" }', "unknown field 'colour'"),
        ('DDN = { treatment = "keep", to = "birth date" }', "`to` must be a column name"),
        ('DDN = "keep"', "must be a table"),
    ],
)
def test_a_bad_column_rule_names_its_column(line, message):
    error = refused(EXAMPLE.replace(EXAMPLE.splitlines()[-6], line))
    assert message in error.message
    assert error.where == "m.toml: columns.DDN"


REQUIRED = [
    "mandate_id",
    "purpose",
    "legal_reference",
    "controller.name",
    "controller.finess",
    "processor.name",
    "validity.from",
    "validity.until",
    "source.location",
    "source.columns",
    "destination.location",
    "destination.table",
    "staging.retention_days",
]


@pytest.mark.parametrize("field", REQUIRED)
def test_every_missing_field_is_named(field):
    text = drop_field(EXAMPLE, field)
    assert text != EXAMPLE
    assert refused(text).where == f"m.toml: {field}"


def test_missing_columns_table_is_named():
    text = EXAMPLE[: EXAMPLE.index("[columns]")]
    assert refused(text).where == "m.toml: columns"


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ('mandate_id = "lab-a-2019-2020"', 'mandate_id = "lab a"', "mandate_id"),
        ('mandate_id = "lab-a-2019-2020"', "mandate_id = 12", "mandate_id"),
        ('finess = "750000001"', 'finess = "75000001"', "controller.finess"),
        ('finess = "750000001"', 'finess = "75000000X"', "controller.finess"),
        ('finess = "750000001"', 'finess = "750000001\\n"', "controller.finess"),
        ('mandate_id = "lab-a-2019-2020"', 'mandate_id = "lab-a\\n"', "mandate_id"),
        ("from = 2026-03-01", 'from = "2026-03-01"', "validity.from"),
        ("from = 2026-03-01", "from = 2026-05-01", "validity"),
        ("retention_days = 7", "retention_days = 0", "staging.retention_days"),
        ("retention_days = 7", 'retention_days = "7"', "staging.retention_days"),
        ("retention_days = 7", "retention_days = true", "staging.retention_days"),
        ("create = true", 'create = "yes"', "destination.create"),
        ('location = "exports/lab-a.csv"', 'location = ""', "source.location"),
        ('location = "exports/lab-a.csv"', 'location = "x"\ntable = 3', "source.table"),
        ('in = ["750000001", "750000002"]', "in = []", "rows[0].in"),
        ('in = ["750000001", "750000002"]', "in = [1, 2]", "rows[0].in"),
        ('column = "FINESS"', 'column = "LAB"', "rows[0].column"),
        ("until = 2021-01-01", "until = 2018-01-01", "rows[1]"),
        ("until = 2021-01-01", 'until = "2021-01-01"', "rows[1].until"),
        ('column = "FINESS"\nin', 'column = "FINESS"\nnot_in', "rows[0]"),
        ('"NUM_DOSSIER", ', '"NUM_DOSSIER", "N_SS", ', "source.columns"),
        ('to = "birth_year"', 'to = "nir_token"', "columns"),
        ("FINESS = {", "LAB = {", "columns.LAB"),
        ('name = "LIS Vendor SAS"', 'name = "LIS Vendor SAS"\nfiness = 7', "processor.finess"),
    ],
)
def test_every_bad_value_is_named(old, new, where):
    assert old in EXAMPLE
    assert refused(EXAMPLE.replace(old, new, 1)).where == f"m.toml: {where}"


def test_a_row_condition_needs_a_test():
    text = EXAMPLE.replace('in = ["750000001", "750000002"]\n', "")
    assert "needs `in`, `from` or `until`" in refused(text).message


def test_a_mandate_that_moves_nothing_is_refused():
    text = EXAMPLE
    for column in ("N_SS", "NOM_PAT", "DDN", "CP_PAT", "COMMENT1", "MP", "DT_DERN_VISITE"):
        text = "\n".join(
            f'{column} = {{ treatment = "drop" }}' if line.startswith(f"{column} =") else line
            for line in text.splitlines()
        )
    assert "moves no column" in refused(text).message


@pytest.mark.parametrize(
    "extra",
    [
        ("mandate_id =", 'mandate_id = "x"\nowner = "me"\n#'),
        ("[controller]", "[controller]\nsiret = '123'"),
        ("[processor]", "[processor]\ncountry = 'FR'"),
        ("[validity]", "[validity]\ntimezone = 'UTC'"),
        ("[source]", "[source]\nencoding = 'cp1252'"),
        ("[destination]", "[destination]\npassword = 'x'"),
        ("[staging]", "[staging]\npath = '/tmp'"),
    ],
)
def test_unknown_fields_are_refused_everywhere(extra):
    old, new = extra
    error = refused(EXAMPLE.replace(old, new, 1))
    assert error.message.startswith("unknown field")
    assert error.hint == "see docs/mandate.md"


def test_a_section_that_is_not_a_table_is_refused():
    text = EXAMPLE.replace("[staging]\nretention_days = 7\n", "")
    text = text.replace('mandate_id = "lab-a-2019-2020"', 'mandate_id = "x"\nstaging = 7')
    assert refused(text).where == "m.toml: staging"


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ('purpose = "Migration', 'purpose = "TODO: Migration', "purpose"),
        ('legal_reference = "Processing', 'legal_reference = "todo Processing', "legal_reference"),
        ('name = "Laboratoire', 'name = "TODO Laboratoire', "controller.name"),
        ('name = "LIS Vendor SAS"', 'name = "TODO"', "processor.name"),
        ('location = "postgresql', 'location = "  TODO postgresql', "destination.location"),
        ('table = "patients"', 'table = "TODO: the target table"', "destination.table"),
    ],
)
def test_a_placeholder_left_from_the_draft_is_refused(old, new, where):
    error = refused(EXAMPLE.replace(old, new, 1))
    assert "TODO placeholder" in error.message
    assert error.where == f"m.toml: {where}"


def test_syntax_and_encoding_errors():
    assert "not valid TOML" in refused(EXAMPLE + "oops = \n").message
    with pytest.raises(MandateError, match="not UTF-8"):
        parse_mandate(EXAMPLE.encode("utf-16"), where="m.toml")


def test_deny_by_default_a_column_not_listed_does_not_move():
    text = "\n".join(line for line in EXAMPLE.splitlines() if not line.startswith("NOM_PAT ="))
    mandate = parse(text + "\n")
    assert "NOM_PAT" in mandate.source_columns
    assert mandate.rule("NOM_PAT") is None
    assert "NOM_PAT" not in allowed_columns(mandate)
    assert "FINESS" not in allowed_columns(mandate)  # listed, but dropped
    assert allowed_columns(mandate) == ("N_SS", "DDN", "CP_PAT", "COMMENT1", "MP", "DT_DERN_VISITE")


def test_quoted_column_names_are_read_as_written():
    text = EXAMPLE.replace('"FINESS"]', '"FINESS", "Date de dernière visite"]').replace(
        "[columns]", '[columns]\n"Date de dernière visite" = { treatment = "drop" }'
    )
    mandate = parse(text)
    assert mandate.rule("Date de dernière visite") is not None
