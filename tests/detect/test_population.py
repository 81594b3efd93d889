"""How many patients and labs a scan finds: exact, whatever the formatting or the batching."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from stdnum.fr import nir as stdnum_nir

from sceau.detect.scan import ScanOptions, scan


def _nir(body: str) -> str:
    return body + stdnum_nir.calc_check_digits(body)


NIRS = [_nir(f"1850578006{n:03d}") for n in range(40)]


def _spaced(nir: str) -> str:
    return f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"


def test_patients_are_told_apart_by_nir_whatever_its_spacing(tmp_path: Path):
    nirs = NIRS * 3 + [_spaced(n) for n in NIRS]  # every patient four times, once spaced
    frame = pl.DataFrame(
        {
            "N_SS": nirs,
            "NOM": ["MARTIN"] * len(nirs),
            "FINESS": ["130000011" if i % 2 else "2A0000021" for i in range(len(nirs))],
        }
    )
    path = tmp_path / "export.csv"
    frame.write_csv(path, separator=";")
    report = scan([path], options=ScanOptions(sample_rows=50), batch_rows=7)
    table = report.to_dict()["sources"][0]
    assert table["patients"] == {"distinct": 40, "told_apart_by": "NIR"}
    assert table["labs"] == 2


def test_without_nir_name_and_birth_date_tell_patients_apart(tmp_path: Path):
    frame = pl.DataFrame(
        {
            "NOM": ["MARTIN", "Martin", "DURAND", "DURAND", "PETIT"],
            "PRENOM": ["Jean", "JEAN", "Paul", "Paul", "Anne"],
            "DATE_NAISSANCE": [
                "01/02/1950",
                "01/02/1950",
                "03/04/1960",
                "04/04/1960",
                "05/06/1970",
            ],
        }
    )
    path = tmp_path / "export.csv"
    frame.write_csv(path, separator=";")
    summary = scan([path]).to_dict()["summary"]
    assert summary["patients"] == {"distinct": 4, "told_apart_by": "name and birth date"}
    assert summary["labs"] is None


def test_a_patient_in_two_files_is_counted_once(tmp_path: Path):
    for name, nirs in (("a.csv", NIRS[:30]), ("b.csv", NIRS[20:])):
        pl.DataFrame({"NIR": nirs}).write_csv(tmp_path / name, separator=";")
    report = scan([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert [t.patients for t in report.tables] == [30, 20]
    assert report.to_dict()["summary"]["patients"]["distinct"] == 40


def test_a_table_that_names_nobody_says_so(tmp_path: Path):
    path = tmp_path / "results.csv"
    pl.DataFrame({"CODE": ["GLY", "CREA"], "VALEUR": ["5.1", "80"]}).write_csv(path)
    summary = scan([path]).to_dict()["summary"]
    assert summary["patients"] is None
    assert summary["labs"] is None


def test_the_count_is_exact_when_batches_are_merged_along_the_way(tmp_path: Path, monkeypatch):
    from sceau.detect import population
    from sceau.detect import scan as scan_module

    monkeypatch.setattr(scan_module, "COUNT_ROWS", 7)  # many batches counted in
    monkeypatch.setattr(population, "_MERGE_ROWS", 5)  # merged into the set every few batches
    nirs = NIRS * 3 + [_spaced(n) for n in reversed(NIRS)]
    path = tmp_path / "export.csv"
    pl.DataFrame({"N_SS": nirs}).write_csv(path, separator=";")
    report = scan([path], options=ScanOptions(sample_rows=10), batch_rows=7)
    assert report.tables[0].patients == 40
