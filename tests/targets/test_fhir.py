"""The FHIR target: resource types and element paths checked up front, resources shaped as the
paths say, and flattened back by the same paths."""

from __future__ import annotations

import json

import pytest

from sceau.targets import TargetError, TargetTable, open_target
from sceau.targets.fhir import RESOURCE_TYPES

from .conftest import batch, rows_of

PATIENT = (
    "identifier[0].value",
    "name[0].family",
    "name[0].given[0]",
    "name[0].given[1]",
    "gender",
    "birthDate",
    "address[0].postalCode",
    "telecom[0].value",
    "telecom[1].value",
)


def _target(tmp_path, columns=PATIENT, resource="Patient"):
    return open_target(str(tmp_path / "out.fhir"), TargetTable(resource, columns))


def _resources(tmp_path):
    lines = []
    for path in sorted((tmp_path / "out.fhir").iterdir()):
        lines.extend(json.loads(line) for line in path.read_text("utf-8").splitlines())
    return lines


@pytest.mark.parametrize("resource", ["patient", "Patients", "Foo", "DomainResource", "Pa-tient"])
def test_only_fhir_r4_resource_types(tmp_path, resource):
    with pytest.raises(TargetError, match=r"not a FHIR R4 resource type|cannot start file names"):
        _target(tmp_path, resource=resource).prepare(create=True)
    assert {"Patient", "Observation", "Practitioner", "Specimen"} <= RESOURCE_TYPES


@pytest.mark.parametrize(
    "column",
    [
        "name[0]family",
        "name..family",
        "name[01].family",
        "name[x].family",
        "name[0][1]",
        "resourceType",
        "1abc",
        "name[1000].family",
        "name.fam ily",
        ".name",
    ],
)
def test_invalid_paths_are_refused_naming_the_column(tmp_path, column):
    with pytest.raises(TargetError, match="is not a FHIR element path") as caught:
        _target(tmp_path, columns=("gender", column)).prepare(create=True)
    assert repr(column) in caught.value.message


@pytest.mark.parametrize(
    "columns",
    [
        ("name", "name.family"),
        ("name.family", "name"),
        ("name[0]", "name[0].family"),
        ("name.family", "name[0].given[0]"),
        ("name[0].given", "name[0].given[0]"),
    ],
)
def test_clashing_paths_are_refused(tmp_path, columns):
    with pytest.raises(TargetError, match="clashes with another column's path"):
        _target(tmp_path, columns=columns).prepare(create=True)


def test_rows_become_resources_shaped_by_their_paths(tmp_path):
    target = _target(tmp_path)
    target.prepare(create=True)
    rows = [
        ("1800175123456", "LÉGER", "Hélène", "Marie", "female", "1980-01-02", "75011",
         "0612345678", "h@example.org"),
        ("2750313001002", "ROUX", None, "Jean", None, None, None, None, "j@example.org"),
        (None, None, None, None, None, None, None, None, None),
    ]  # fmt: skip
    target.write_batch("run-1", 3, batch(rows, columns=PATIENT))
    first, second, third = _resources(tmp_path)
    assert first == {
        "resourceType": "Patient",
        "id": first["id"],
        "identifier": [{"value": "1800175123456"}],
        "name": [{"family": "LÉGER", "given": ["Hélène", "Marie"]}],
        "gender": "female",
        "birthDate": "1980-01-02",
        "address": [{"postalCode": "75011"}],
        "telecom": [{"value": "0612345678"}, {"value": "h@example.org"}],
    }
    assert second["name"] == [{"family": "ROUX", "given": [None, "Jean"]}]  # the hole is kept
    assert second["telecom"] == [None, {"value": "j@example.org"}]
    assert "gender" not in second
    assert third == {"resourceType": "Patient", "id": third["id"]}
    ids = [first["id"], second["id"], third["id"]]
    assert len(set(ids)) == 3
    assert all(len(i) <= 64 and i.replace("-", "").isalnum() for i in ids)
    assert rows_of(target) == rows
    again = tmp_path / "again"
    again.mkdir()
    other = _target(again)
    other.prepare(create=True)
    other.write_batch("run-1", 3, batch(rows, columns=PATIENT))
    assert [r["id"] for r in _resources(again)] == ids  # deterministic


def test_an_id_column_is_the_resource_id(tmp_path):
    target = _target(tmp_path, columns=("id", "gender"))
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([("p-1", "male"), (None, "female")], ("id", "gender")))
    assert _resources(tmp_path) == [
        {"resourceType": "Patient", "id": "p-1", "gender": "male"},
        {"resourceType": "Patient", "gender": "female"},
    ]


def test_reads_foreign_typed_values_as_text_and_refuses_other_resources(tmp_path):
    folder = tmp_path / "out.fhir"
    folder.mkdir()
    resource = {"resourceType": "Patient", "id": "x", "active": True, "multipleBirthInteger": 2}
    (folder / "Patient-run-1-000000.ndjson").write_text(json.dumps(resource) + "\n\n")
    target = _target(tmp_path, columns=("active", "multipleBirthInteger", "gender"))
    target.prepare(create=False)
    assert rows_of(target) == [("true", "2", None)]
    assert target.loaded_batches("run-1") == {0: 1}
    narrower = _target(tmp_path, columns=("active",))
    with pytest.raises(TargetError, match="other columns"):
        narrower.prepare(create=False)
    (folder / "Patient-run-1-000001.ndjson").write_text('{"resourceType": "Observation"}\n')
    with pytest.raises(
        TargetError, match=r"line 1 of Patient-run-1-000001\.ndjson is not a Patient"
    ):
        list(target.read_rows())
