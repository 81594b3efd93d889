"""The JSON-lines reader: nested records flattened to dotted text columns, arrays and maps
whose keys are data read as child tables."""

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
    table, tels = source.tables()
    assert table.expected_rows == 2
    rows = [row for batch in table.batches() for row in batch.to_pylist()]
    assert list(rows[0]) == [
        "nom", "ddn", "adresse.ville", "adresse.cp", "age", "enceinte", "note",
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
        "note": None,
    }
    assert tels.name == f"{path}#tels"  # a list: a child table, one row per entry
    assert [row for batch in tels.batches() for row in batch.to_pylist()] == [
        {"document": "2", "index": "0", "value": "0612345678"}
    ]


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


# --- nested structures: records as dotted columns, arrays and maps as child tables ------------

NIRS = ["185057800608491", "298127511203417", "167039912345638"]


def tables_of(path, **options) -> dict[str, list[dict]]:
    return {
        table.name.removeprefix(str(path)): [r for b in table.batches() for r in b.to_pylist()]
        for table in open_source(path, **options).tables()
    }


def test_a_nested_record_is_one_column_per_field(tmp_path):
    path = tmp_path / "entities.jsonl"
    write_lines(
        path, *({"id": i, "entities": {"nir": nir, "nom": "X"}} for i, nir in enumerate(NIRS))
    )
    found = tables_of(path)
    assert list(found) == [""]
    assert found[""][0] == {"id": "0", "entities.nir": NIRS[0], "entities.nom": "X"}


def test_a_map_keyed_by_nir_is_a_child_table_and_no_key_becomes_a_name(tmp_path):
    path = tmp_path / "by_nir.jsonl"
    write_lines(
        path,
        {"lab": "A", "by_nir": {NIRS[0]: {"nom": "DUPONT", "visites": [{"date": "2021-01-02"}]}}},
        {"lab": "B", "by_nir": {NIRS[1]: {"nom": "MARTIN"}, NIRS[2]: {"nom": "ROUX"}}},
    )
    source = open_source(path)
    tables = list(source.tables())
    found = tables_of(path)
    assert list(found) == ["", "#by_nir", "#by_nir[].visites"]
    assert found[""] == [{"lab": "A"}, {"lab": "B"}]
    assert found["#by_nir"] == [
        {"document": "1", "key": NIRS[0], "nom": "DUPONT"},
        {"document": "2", "key": NIRS[1], "nom": "MARTIN"},
        {"document": "2", "key": NIRS[2], "nom": "ROUX"},
    ]
    assert found["#by_nir[].visites"] == [
        {"document": "1", "by_nir.key": NIRS[0], "index": "0", "date": "2021-01-02"}
    ]
    names = [table.name for table in tables] + [
        name for table in tables for batch in table.batches() for name in batch.schema.names
    ]
    assert not any(nir in name for nir in NIRS for name in names)
    assert [table.expected_rows for table in tables] == [2, 3, 1]


def test_arrays_of_records_and_of_values_are_child_tables(tmp_path):
    path = tmp_path / "orders.jsonl"
    write_lines(
        path,
        {"id": 1, "orders": [{"no": "A", "items": [{"code": "NFS"}, {"code": "VIH"}]}]},
        {"id": 2, "orders": [], "tels": ["0612345678", "0712345678"], "m": [[1, 2]]},
    )
    found = tables_of(path)
    assert found["#orders"] == [{"document": "1", "index": "0", "no": "A"}]
    assert found["#orders[].items"] == [
        {"document": "1", "orders.index": "0", "index": "0", "code": "NFS"},
        {"document": "1", "orders.index": "0", "index": "1", "code": "VIH"},
    ]
    assert found["#tels"] == [
        {"document": "2", "index": "0", "value": "0612345678"},
        {"document": "2", "index": "1", "value": "0712345678"},
    ]
    assert found["#m[]"] == [
        {"document": "2", "m.index": "0", "index": "0", "value": "1"},
        {"document": "2", "m.index": "0", "index": "1", "value": "2"},
    ]
    assert found[""] == [{"id": "1"}, {"id": "2"}]


@pytest.mark.parametrize(
    ("keys", "is_map"),
    [
        (["DUPONT Jean", "MARTIN Luc"], True),  # a space: a person's name
        (["jean.dupont@example.fr", "luc@example.fr"], True),
        (["75002", "69003"], True),  # numbers
        (["2021-03-04", "2021-05-06"], True),  # dates
        (["DUPONT", "MARTIN", "ROUX", "PETIT"], True),  # differ record to record
        (["ville", "cp"], False),  # a record: the same keys in every document
    ],
)
def test_objects_whose_keys_are_data_are_maps(tmp_path, keys, is_map):
    path = tmp_path / "x.jsonl"
    shared = {"ville", "cp"} == set(keys)
    documents = (
        [{"n": i, "o": {key: f"v{i}" for key in keys}} for i in range(3)]
        if shared
        else [{"n": i, "o": {key: f"v{i}"}} for i, key in enumerate(keys)]
    )
    write_lines(path, *documents)
    found = tables_of(path)
    assert ("#o" in found) is is_map
    names = [name for table in found.values() for row in table for name in row]
    assert not is_map or not any(key in name for key in keys for name in names)


def test_top_level_keys_with_spaces_stay_columns(tmp_path):
    path = tmp_path / "x.jsonl"
    write_lines(path, {"Date de naissance": "1985-05-01", "Nom": "DUPONT"})
    assert tables_of(path) == {"": [{"Date de naissance": "1985-05-01", "Nom": "DUPONT"}]}


@pytest.mark.parametrize("keys", [NIRS[:2], ["DUPONT", "MARTIN"]])
def test_documents_keyed_by_data_are_read_as_entries(tmp_path, keys):
    path = tmp_path / "x.jsonl"
    write_lines(path, {keys[0]: {"nom": "A"}}, {keys[1]: {"nom": "B"}})
    assert tables_of(path) == {
        "": [
            {"document": "1", "key": keys[0], "nom": "A"},
            {"document": "2", "key": keys[1], "nom": "B"},
        ]
    }


def test_a_wide_object_becomes_a_map_and_batches_stay_bounded(tmp_path):
    path = tmp_path / "x.jsonl"
    write_lines(path, *({"id": i, "scores": {f"k{j}": j for j in range(300)}} for i in range(20)))
    tables = {table.name: table for table in open_source(path, batch_rows=64).tables()}
    scores = tables[f"{path}#scores"]
    sizes = [batch.num_rows for batch in scores.batches()]
    assert max(sizes) <= 64
    assert sum(sizes) == 20 * 300 == scores.expected_rows


def test_key_names_are_cleaned(tmp_path):
    path = tmp_path / "x.jsonl"
    write_lines(path, {"NOM\nPATIENT\x1b": "DUPONT", "adresse": {"ville": "Paris"}})
    assert tables_of(path) == {"": [{"NOM PATIENT": "DUPONT", "adresse.ville": "Paris"}]}
