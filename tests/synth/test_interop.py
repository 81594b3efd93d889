"""sceau's HL7 v2 and FHIR files as implementations sceau did not write read them: hl7apy with
strict validation, and fhir.resources' R4B models."""

from __future__ import annotations

import json
from collections import Counter

from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from sceau.synth import LABS, write_labs

MODELS = {"Patient": Patient, "Practitioner": Practitioner, "Observation": Observation}


def test_hl7_messages_pass_strict_validation_and_declare_utf8(tmp_path):
    write_labs(tmp_path, formats=("hl7",), labs=("lab-a",), patients=60, seed=1)
    messages = (tmp_path / "lab-a.hl7").read_bytes().decode("utf-8").strip().split("\n")
    assert len(messages) == 60
    for raw in messages:
        message = parse_message(raw, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
        assert message.validate()
        assert message.msh.msh_18.value == "UNICODE UTF-8"


def test_fhir_resources_validate_and_keep_apart_across_labs(tmp_path):
    write_labs(tmp_path, formats=("fhir",), labs=tuple(LABS), patients=60, seed=1)
    ids: Counter[tuple[str, str]] = Counter()
    subjects = set()
    for path in sorted(tmp_path.glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            resource = json.loads(line)
            MODELS[resource["resourceType"]].model_validate(resource)
            ids[(resource["resourceType"], resource["id"])] += 1
            if resource["resourceType"] == "Observation":
                subjects.add(resource["subject"]["reference"])
    assert len(ids) > 240  # 4 labs × 60 patients, their doctors and observations
    assert max(ids.values()) == 1  # four labs in one server: no id given twice
    patients = {f"Patient/{id_}" for kind, id_ in ids if kind == "Patient"}
    assert subjects <= patients
