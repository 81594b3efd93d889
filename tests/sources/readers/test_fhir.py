"""The FHIR NDJSON reader: one table per resource type, JSON paths with list indices."""

from __future__ import annotations

import json

import pytest

from sceau.sources.base import SourceError, open_source
from sceau.sources.readers.fhir import FhirSource

PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "2800175123456"}],
    "name": [{"family": "Léger", "given": ["Hélène", "Marie"]}],
    "telecom": [
        {"system": "phone", "value": "0612345678"},
        {"system": "email", "value": "h.leger@example.fr"},
    ],
    "birthDate": "1980-01-02",
    "address": [{"line": ["12 rue de la Paix"], "city": "Paris", "postalCode": "75002"}],
}
OBSERVATION = {
    "resourceType": "Observation",
    "id": "o1",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "7917-8"}], "text": "VIH"},
    "subject": {"reference": "Patient/p1"},
    "valueQuantity": {"value": 1.2, "unit": "g/L"},
    "note": [{"text": "Patiente enceinte, traitement ARV"}],
}


def write(path, *documents):
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents))


def test_one_table_per_resource_type(tmp_path):
    path = tmp_path / "bulk.ndjson"
    write(path, PATIENT, OBSERVATION, {"resourceType": "Patient", "id": "p2"})
    tables = {table.name: table for table in open_source(path).tables()}
    assert list(tables) == [f"{path}#Patient", f"{path}#Observation"]
    patient = tables[f"{path}#Patient"]
    assert patient.expected_rows == 2
    rows = [row for batch in patient.batches() for row in batch.to_pylist()]
    assert rows[0]["name[0].family"] == "Léger"
    assert rows[0]["name[0].given[1]"] == "Marie"
    assert rows[0]["identifier[0].value"] == "2800175123456"
    assert rows[0]["telecom[1].value"] == "h.leger@example.fr"
    assert rows[0]["address[0].postalCode"] == "75002"
    assert rows[0]["address[0].line[0]"] == "12 rue de la Paix"
    assert "resourceType" not in rows[0]
    assert rows[1]["id"] == "p2"
    assert rows[1]["name[0].family"] is None
    (observation,) = tables[f"{path}#Observation"].batches()
    row = observation.to_pylist()[0]
    assert row["note[0].text"] == "Patiente enceinte, traitement ARV"
    assert row["valueQuantity.value"] == "1.2"
    assert row["code.coding[0].code"] == "7917-8"


def test_sniffed_and_batches_bounded(tmp_path):
    path = tmp_path / "export"
    write(path, *({"resourceType": "Patient", "id": str(i)} for i in range(50)))
    source = open_source(path, batch_rows=8, delimiter=";")
    assert isinstance(source, FhirSource)
    (table,) = source.tables()
    sizes = [batch.num_rows for batch in table.batches()]
    assert max(sizes) <= 8
    assert sum(sizes) == 50


def test_bad_json_line(tmp_path, check_error):
    path = tmp_path / "bulk.ndjson"
    path.write_text(json.dumps(PATIENT) + '\n{"resourceType": "Patient", "name": "SECRETNAME"\n')
    with pytest.raises(SourceError, match="not valid JSON") as caught:
        list(open_source(path).tables())
    check_error(caught.value, f"{path}:2", ["SECRETNAME"])


def test_line_without_resource_type(tmp_path, check_error):
    path = tmp_path / "bulk.ndjson"
    write(path, PATIENT, {"name": "SECRETNAME"})
    with pytest.raises(SourceError, match="not a FHIR resource") as caught:
        list(open_source(path).tables())
    check_error(caught.value, f"{path}:2", ["SECRETNAME"])
