"""The JSON-lines reader: nested objects flattened to dotted text columns."""

from __future__ import annotations

import json

import pytest

from sceau.sources.base import SourceError, open_source
from sceau.sources.readers.fhir import FhirSource
from sceau.sources.readers.jsonl import JsonlSource


def write_lines(path, *documents):
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents))


def test_nested_objects_flattened(tmp_path):
    path = tmp_path / "patients.jsonl"
    write_lines(
        path,
        {"nom": "Léger", "ddn": "1980-01-02", "adresse": {"ville": "Paris", "cp": "75002"}},
        {"nom": "Roux", "age": 42, "enceinte": False, "tels": ["0612345678"], "note": None},
    )
    source = open_source(path)
    assert isinstance(source, JsonlSource)
    (table,) = source.tables()
    assert table.expected_rows == 2
    rows = [row for batch in table.batches() for row in batch.to_pylist()]
    assert list(rows[0]) == [
        "nom", "ddn", "adresse.ville", "adresse.cp", "age", "enceinte", "tels", "note",
    ]  # fmt: skip
    assert rows[0]["adresse.cp"] == "75002"
    assert rows[0]["age"] is None
    assert rows[1] == {
        "nom": "Roux",
        "ddn": None,
        "adresse.ville": None,
        "adresse.cp": None,
        "age": "42",
        "enceinte": "false",
        "tels": '["0612345678"]',
        "note": None,
    }


def test_batches_bounded(tmp_path):
    path = tmp_path / "many.ndjson"
    write_lines(path, *({"id": i} for i in range(100)))
    (table,) = open_source(path, batch_rows=16, encoding="cp1252").tables()
    sizes = [batch.num_rows for batch in table.batches()]
    assert max(sizes) <= 16
    assert sum(sizes) == 100


def test_fhir_lines_go_to_the_fhir_reader(tmp_path):
    path = tmp_path / "export.ndjson"
    write_lines(path, {"resourceType": "Patient", "id": "1"})
    assert isinstance(open_source(path), FhirSource)
    assert isinstance(open_source(path, kind="jsonl"), FhirSource)


def test_bad_line_names_its_number(tmp_path, check_error):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"nom": "A"}\n\n{"nom": "SECRETNAME", \n')
    with pytest.raises(SourceError, match="not valid JSON") as caught:
        list(open_source(path).tables())
    check_error(caught.value, f"{path}:3", ["SECRETNAME"])


def test_line_that_is_not_an_object(tmp_path, check_error):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"nom": "A"}\n["SECRETNAME"]\n')
    with pytest.raises(SourceError, match="not an object") as caught:
        list(open_source(path).tables())
    check_error(caught.value, f"{path}:2", ["SECRETNAME"])


def test_not_utf8(tmp_path, check_error):
    path = tmp_path / "latin.jsonl"
    path.write_bytes('{"nom": "A"}\n{"nom": "LÉGER"}\n'.encode("cp1252"))
    with pytest.raises(SourceError, match="UTF-8") as caught:
        list(open_source(path).tables())
    check_error(caught.value, f"{path}:2", ["GER"])
