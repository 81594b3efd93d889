"""The synthetic labs: deterministic, valid where real data is valid, readable in every format."""

from __future__ import annotations

import json
import os
import stat
import uuid

import phonenumbers
import polars as pl
import pyarrow.csv as pacsv
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from stdnum import luhn
from stdnum.fr import nir

from sceau.cli import main
from sceau.synth import LABS, generate, write_labs
from sceau.synth.people import LOOKALIKE_SHARE
from sceau.synth.writers import write_csv, write_sql

PATIENTS = 2_000


@pytest.fixture(scope="module", params=sorted(LABS))
def lab(request):
    return generate(PATIENTS, seed=5, lab=request.param)


def _column(synth, source: str) -> pl.Series | None:
    names = [c.name for c in synth.lab.columns if c.source == source]
    return synth.frame[names[0]] if names else None


def test_same_seed_same_bytes(tmp_path):
    first, second = tmp_path / "1", tmp_path / "2"
    write_labs(first, formats=("csv", "hl7", "fhir"), patients=300, seed=9)
    write_labs(second, formats=("csv", "hl7", "fhir"), patients=300, seed=9)
    for path in first.iterdir():
        if path.suffix != ".parquet":
            assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_nirs_are_valid_except_the_lookalikes(lab):
    values = _column(lab, "nir").str.replace_all(" ", "").to_list()
    valid = [nir.is_valid(v) for v in values]
    assert valid == lab.canonical.nir_valid.tolist()
    assert 0 < valid.count(False) < 4 * LOOKALIKE_SHARE * PATIENTS
    assert any(v[5:7] in ("2A", "2B") for v in values)
    assert any(v[5:8] in ("971", "974") for v in values)


def test_phones_are_valid_french_numbers(lab):
    for source in ("phone", "doctor_phone", "sampler_phone", "insurer_phone"):
        values = _column(lab, source)
        if values is None:
            continue
        for value in values.unique().to_list():
            assert phonenumbers.is_valid_number(phonenumbers.parse(value, "FR")), source


def test_practitioner_and_lab_numbers_pass_luhn(lab):
    for source, length in (("doctor_rpps", 11), ("doctor_adeli", 9), ("lab_finess", 9)):
        values = _column(lab, source)
        if values is None:
            continue
        for value in values.unique().to_list():
            digits = value.replace("2A", "20").replace("2B", "20")
            assert len(value) == length
            assert luhn.is_valid(digits), source


def test_each_dialect_reads_back_with_its_delimiter_and_encoding(lab, tmp_path):
    labels, health = write_csv(lab, tmp_path)
    (name,) = labels
    table = pacsv.read_csv(
        tmp_path / name,
        read_options=pacsv.ReadOptions(
            encoding=lab.lab.encoding, autogenerate_column_names=not lab.lab.header
        ),
        parse_options=pacsv.ParseOptions(delimiter=lab.lab.delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
    )
    assert table.num_rows == PATIENTS
    assert table.num_columns == len(lab.lab.columns)
    assert len(labels[name]["columns"]) == len(lab.lab.columns)
    assert {row["table"] for row in health} == {name}


def test_hl7_messages_are_well_formed(tmp_path):
    write_labs(tmp_path, formats=("hl7",), labs=("lab-a",), patients=200, seed=1)
    messages = (tmp_path / "lab-a.hl7").read_bytes().decode().strip().split("\n")
    assert len(messages) == 200
    for message in messages:
        segments = message.split("\r")
        assert segments[0].startswith("MSH|^~\\&|")
        assert [s[:3] for s in segments[1:5]] == ["PID", "PV1", "OBR", "OBX"]
        assert all(s[3] == "|" for s in segments)


def test_fhir_lines_are_resources_of_their_file(tmp_path):
    write_labs(tmp_path, formats=("fhir",), labs=("lab-b",), patients=100, seed=1)
    for kind in ("Patient", "Practitioner", "Observation"):
        lines = (tmp_path / f"lab-b.{kind}.ndjson").read_text().splitlines()
        assert lines
        assert {json.loads(line)["resourceType"] for line in lines} == {kind}


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "mysql+pymysql://root@127.0.0.1:3306/test",
    ],
)
def test_sql_round_trip_on_real_servers(url):
    synth = generate(150, seed=3, lab="lab-b")
    table = f"synth_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url)
    try:
        labels, _ = write_sql(synth, url, table)
        assert table in labels
        with engine.connect() as connection:
            rows = connection.execute(sa.text(f"select * from {table}")).all()
        assert len(rows) == 150
        assert sorted(r[0] for r in rows) == sorted(synth.frame["patient_id"].to_list())
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"drop table if exists {table}"))
        engine.dispose()


def test_cli_writes_labels_and_refuses_a_full_folder(tmp_path):
    runner = CliRunner()
    args = ["synth", "--patients", "50", "--lab", "all", "--format", "csv", "--out", str(tmp_path)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    labels = json.loads((tmp_path / "labels.json").read_text())
    assert set(labels["tables"]) == {f"{lab}.csv" for lab in LABS}
    again = runner.invoke(main, args)
    assert again.exit_code == 2
    assert "--force" in again.output


def test_every_file_is_private_whatever_the_umask(tmp_path):
    """Synthetic patients look like real ones: nothing synth writes is readable by others."""
    previous = os.umask(0o002)
    try:
        write_labs(tmp_path, formats=("csv", "parquet", "sqlite"), patients=20, seed=3)
        write_sql(generate(20, seed=3), f"sqlite:///{tmp_path / 'other.db'}")
    finally:
        os.umask(previous)
    written = [p for p in tmp_path.iterdir() if p.is_file()]
    assert {p.suffix for p in written} >= {".csv", ".parquet", ".sqlite", ".json", ".db"}
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
