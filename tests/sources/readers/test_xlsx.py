"""The Excel reader: every sheet a table, values as text, dates in ISO 8601."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from sceau.sources.base import SourceError, open_source
from sceau.sources.readers.xlsx import XlsxSource


def rows(table):
    return [row for batch in table.batches() for row in batch.to_pylist()]


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "export.xlsx"
    book = openpyxl.Workbook()
    patients = book.active
    patients.title = "Patients"
    patients.append(["NOM_PAT", "DDN", "N_SS", "TEL", "POIDS", "VISITE", "ENCEINTE"])
    patients.append(
        ["LÉGER", dt.datetime(1980, 1, 2), "2800175123456", "0612345678", 61.5,
         dt.datetime(2021, 2, 3, 10, 30), True]
    )  # fmt: skip
    patients.append(["ROUX", dt.date(1975, 3, 15), None, "0145678901", 80, None, False])
    raw = book.create_sheet("Sans entete")
    raw.append(["DUPONT", "Jean", 1980])
    raw.append(["MARTIN", "Luc", 1975])
    book.create_sheet("Vide")
    book.save(path)
    return path


def test_every_sheet_a_table(workbook):
    source = open_source(workbook)
    assert isinstance(source, XlsxSource)
    tables = {table.name: table for table in source.tables()}
    assert list(tables) == [f"{workbook}#Patients", f"{workbook}#Sans entete"]
    patients = rows(tables[f"{workbook}#Patients"])
    assert patients[0] == {
        "NOM_PAT": "LÉGER",
        "DDN": "1980-01-02",
        "N_SS": "2800175123456",
        "TEL": "0612345678",
        "POIDS": "61.5",
        "VISITE": "2021-02-03T10:30:00",
        "ENCEINTE": "true",
    }
    assert patients[1]["DDN"] == "1975-03-15"
    assert patients[1]["POIDS"] == "80"
    assert patients[1]["N_SS"] is None
    raw = rows(tables[f"{workbook}#Sans entete"])
    assert raw[0] == {"column_1": "DUPONT", "column_2": "Jean", "column_3": "1980"}
    assert len(raw) == 2


def test_header_option_and_batches(tmp_path):
    path = tmp_path / "big.xlsx"
    book = openpyxl.Workbook()
    for i in range(50):
        book.active.append([f"P{i}", i])
    book.save(path)
    (table,) = open_source(path, header=True, batch_rows=8, encoding="latin-1").tables()
    sizes = [batch.num_rows for batch in table.batches()]
    assert max(sizes) <= 8
    assert sum(sizes) == 49
    assert next(iter(table.batches())).schema.names == ["P0", "0"]


def test_not_a_workbook(tmp_path, check_error):
    path = tmp_path / "fake.xlsx"
    path.write_text("NOM;SECRETNAME\n")
    with pytest.raises(SourceError, match="cannot open the workbook") as caught:
        list(open_source(path).tables())
    check_error(caught.value, str(path), ["SECRETNAME"])


def test_header_cells_with_line_breaks_are_clean_names(tmp_path):
    path = tmp_path / "export.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["NOM\nPATIENT", "Date de\r\nnaissance", "NOM\n"])
    book.active.append(["DUPONT", "1985-05-01", "x"])
    book.active.append(["MARTIN", "1990-02-01", "y"])
    book.save(path)
    (table,) = open_source(path, header=True).tables()
    assert list(rows(table)[0]) == ["NOM PATIENT", "Date de naissance", "NOM"]
