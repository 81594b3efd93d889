"""FHIR R4 NDJSON: a folder of files, one per batch, one resource per row and line.

The table's name is the resource type (``Patient``, ``Observation``); its columns are element
paths relative to the resource, with list positions, as the ``fhir`` source names them:
``identifier[0].value``, ``name[0].given[0]``, ``address[0].postalCode``, ``note[0].text``.
Each row becomes one resource: a null cell omits its element, a list position with nothing
before it is padded with JSON null (so the row reads back the same). Every value is a JSON
string (sceau moves text; it does not type FHIR's booleans and numbers). Without an ``id``
column each resource gets a deterministic id: a hash of the table and run, then the batch and
row numbers. The JSON is built column by column with Arrow string kernels, not row by row.
``read_rows`` flattens the resources back by the same paths; NUL and every other character
round-trip through JSON's escapes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sceau.targets._checks import join_text, string_batch, texts
from sceau.targets._folder import FolderTarget
from sceau.targets.base import TargetError, TargetTable

Key = str | int
_STEP = re.compile(r"(_?[A-Za-z][A-Za-z0-9]*)(?:\[(0|[1-9][0-9]{0,2})\])?")
_READ_ROWS = 65_536
_ESCAPES = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}

_R4_RESOURCES = """
    Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment AppointmentResponse
    AuditEvent Basic Binary BiologicallyDerivedProduct BodyStructure Bundle CapabilityStatement
    CarePlan CareTeam CatalogEntry ChargeItem ChargeItemDefinition Claim ClaimResponse
    ClinicalImpression CodeSystem Communication CommunicationRequest CompartmentDefinition
    Composition ConceptMap Condition Consent Contract Coverage CoverageEligibilityRequest
    CoverageEligibilityResponse DetectedIssue Device DeviceDefinition DeviceMetric DeviceRequest
    DeviceUseStatement DiagnosticReport DocumentManifest DocumentReference EffectEvidenceSynthesis
    Encounter Endpoint EnrollmentRequest EnrollmentResponse EpisodeOfCare EventDefinition Evidence
    EvidenceVariable ExampleScenario ExplanationOfBenefit FamilyMemberHistory Flag Goal
    GraphDefinition Group GuidanceResponse HealthcareService ImagingStudy Immunization
    ImmunizationEvaluation ImmunizationRecommendation ImplementationGuide InsurancePlan Invoice
    Library Linkage List Location Measure MeasureReport Media Medication MedicationAdministration
    MedicationDispense MedicationKnowledge MedicationRequest MedicationStatement MedicinalProduct
    MedicinalProductAuthorization MedicinalProductContraindication MedicinalProductIndication
    MedicinalProductIngredient MedicinalProductInteraction MedicinalProductManufactured
    MedicinalProductPackaged MedicinalProductPharmaceutical MedicinalProductUndesirableEffect
    MessageDefinition MessageHeader MolecularSequence NamingSystem NutritionOrder Observation
    ObservationDefinition OperationDefinition OperationOutcome Organization
    OrganizationAffiliation Parameters Patient PaymentNotice PaymentReconciliation Person
    PlanDefinition Practitioner PractitionerRole Procedure Provenance Questionnaire
    QuestionnaireResponse RelatedPerson RequestGroup ResearchDefinition ResearchElementDefinition
    ResearchStudy ResearchSubject RiskAssessment RiskEvidenceSynthesis Schedule SearchParameter
    ServiceRequest Slot Specimen SpecimenDefinition StructureDefinition StructureMap Subscription
    Substance SubstanceNucleicAcid SubstancePolymer SubstanceProtein
    SubstanceReferenceInformation SubstanceSourceMaterial SubstanceSpecification SupplyDelivery
    SupplyRequest Task TerminologyCapabilities TestReport TestScript ValueSet VerificationResult
    VisionPrescription
"""
RESOURCE_TYPES = frozenset(_R4_RESOURCES.split())  # FHIR R4 (4.0.1), abstract types aside


class FhirTarget(FolderTarget):
    """A folder of FHIR R4 NDJSON files, one per batch, of the table's resource type."""

    kind = "fhir"
    suffixes = (".fhir",)
    ending = ".ndjson"

    def __init__(self, location: str, table: TargetTable) -> None:
        super().__init__(location, table)
        self._keys: list[tuple[Key, ...]] | None = None

    def _paths(self) -> list[tuple[Key, ...]]:
        if self._keys is None:
            self._keys = _parse_columns(self.table, self.where)
        return self._keys

    # --- what FolderTarget asks -----------------------------------------------------------

    def _check_columns(self) -> None:
        self._paths()

    def _check_file(self, path: Path) -> None:
        """Every element of every resource must be one of the table's columns."""
        allowed = {*self._paths(), ("resourceType",), ("id",)}  # id: a column's or sceau's
        with path.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                resource = self._resource(line, path, number)
                if any(leaf not in allowed for leaf in _leaves(resource, ())):
                    raise TargetError(
                        f"{path.name} has other columns than the mandate's (line {number} has "
                        "elements that are not the table's columns)",
                        hint="load into a new folder, or move the old files away",
                        where=self.where,
                    )

    def _write(
        self, handle: BinaryIO, run_id: str, batch_no: int, columns: list[pa.Array[Any]]
    ) -> None:
        """Every row's JSON, built column-wise by Arrow string kernels, one line per resource."""
        rows = len(columns[0])
        if not rows:
            return
        head = f'{{"resourceType":"{self.table.name}"'
        if ("id",) in self._paths():
            first = pa.repeat(pa.scalar(head), rows)
        else:  # an id unique to the table, run, batch and row: deterministic, FHIR-valid
            digest = hashlib.sha256(f"{self.table.name}\0{run_id}".encode()).hexdigest()[:20]
            numbers = pa.array(np.arange(rows)).cast(pa.string())
            first = join_text(f'{head},"id":"{digest}-{batch_no}-', numbers, '"', "")
        members = _members(_tree(self._paths()), columns)
        body = pc.coalesce(join_text(first, members, ","), first)
        lines = join_text(body, "}\n", "")
        handle.write("".join(texts(lines)).encode("utf-8"))

    def _count(self, path: Path) -> int:
        with path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())

    def _read(self, path: Path) -> Iterator[pa.RecordBatch]:
        paths = self._paths()
        columns: list[list[str | None]] = [[] for _ in paths]
        with path.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                resource = self._resource(line, path, number)
                for keys, column in zip(paths, columns, strict=True):
                    column.append(_get(resource, keys))
                if len(columns[0]) >= _READ_ROWS:
                    yield string_batch(self.table.columns, columns)
                    columns = [[] for _ in paths]
        if columns[0]:
            yield string_batch(self.table.columns, columns)

    def _resource(self, line: bytes, path: Path, number: int) -> dict[str, Any]:
        try:
            resource = json.loads(line)
        except ValueError:
            resource = None
        if not isinstance(resource, dict) or resource.get("resourceType") != self.table.name:
            raise TargetError(
                f"line {number} of {path.name} is not a {self.table.name} resource",
                hint="the folder holds a damaged or foreign file: move it away, then resume",
                where=self.where,
            )
        return resource


def _parse_columns(table: TargetTable, where: str) -> list[tuple[Key, ...]]:
    """Each column's path as keys (names and list positions); refuse what FHIR cannot hold."""
    if table.name not in RESOURCE_TYPES:
        raise TargetError(
            f"{table.name!r} is not a FHIR R4 resource type",
            hint="name the target table after the resource it holds: Patient, Observation, "
            "Practitioner, ...",
            where=where,
        )
    paths: list[tuple[Key, ...]] = []
    shapes: dict[tuple[Key, ...], str] = {(): "object"}
    for column in table.columns:
        keys = _keys(column)
        if keys is None or keys[0] == "resourceType":
            raise TargetError(
                f"the column {column!r} is not a FHIR element path",
                hint="write paths like name[0].family, identifier[0].value, birthDate "
                "(resourceType is the table's name)",
                where=where,
            )
        for depth in range(1, len(keys) + 1):
            prefix = keys[:depth]
            shape = (
                "leaf"
                if depth == len(keys)
                else "list"
                if isinstance(keys[depth], int)
                else "object"
            )
            if shapes.setdefault(prefix, shape) != shape:
                raise TargetError(
                    f"the column {column!r} clashes with another column's path",
                    hint="an element is either a value, an object or a list: rename one of them",
                    where=where,
                )
        paths.append(keys)
    return paths


def _keys(column: str) -> tuple[Key, ...] | None:
    keys: list[Key] = []
    for part in column.split("."):
        match = _STEP.fullmatch(part)
        if match is None:
            return None
        keys.append(match[1])
        if match[2] is not None:
            keys.append(int(match[2]))
    return tuple(keys)


@dataclass
class _Node:
    """An element of the resource: a column's value, or an object or list of elements."""

    column: int | None = None
    children: dict[Key, _Node] = field(default_factory=dict)


def _tree(paths: list[tuple[Key, ...]]) -> _Node:
    root = _Node()
    for column, keys in enumerate(paths):
        node = root
        for key in keys:
            node = node.children.setdefault(key, _Node())
        node.column = column
    return root


def _members(node: _Node, columns: list[pa.Array[Any]]) -> pa.Array[Any]:
    """``"key":value,...`` of an object's present elements per row; null where none is."""
    return _join(
        [
            join_text(f'"{key}":', _fragment(child, columns), "")
            for key, child in node.children.items()
        ]
    )


def _fragment(node: _Node, columns: list[pa.Array[Any]]) -> pa.Array[Any]:
    """The element's JSON text per row, null where the element is absent."""
    if node.column is not None:
        return _json_string(columns[node.column])
    positions = [key for key in node.children if isinstance(key, int)]
    if len(positions) != len(node.children):  # an object: some keys are names
        return _wrap("{", _members(node, columns), "}")
    rows = len(columns[0])
    absent = pa.nulls(rows, pa.string())
    items: list[pa.Array[Any]] = []
    later = pa.repeat(pa.scalar(False), rows)  # is an item present further down the list?
    for index in range(max(positions), -1, -1):
        child = node.children.get(index)
        item = absent if child is None else _fragment(child, columns)
        items.append(pc.coalesce(item, pc.if_else(later, "null", absent)))  # pad holes
        later = pc.or_(later, pc.is_valid(item))
    return _wrap("[", _join(items[::-1]), "]")


def _join(parts: list[pa.Array[Any]]) -> pa.Array[Any]:
    """Comma-join the non-null parts per row; null where all are null.

    (``binary_join_element_wise(..., null_handling="skip")`` drops all-null rows in pyarrow 26.)
    """
    joined = parts[0]
    for part in parts[1:]:
        joined = pc.coalesce(join_text(joined, part, ","), joined, part)
    return joined


def _wrap(opening: str, inner: pa.Array[Any], closing: str) -> pa.Array[Any]:
    return join_text(opening, inner, closing, "")


def _json_string(column: pa.Array[Any]) -> pa.Array[Any]:
    """Each value as a JSON string literal, escaped as json.dumps does; null stays null."""
    text = pc.replace_substring(column, "\\", "\\\\")
    text = pc.replace_substring(text, '"', '\\"')
    if pc.any(pc.match_substring_regex(text, r"[\x00-\x1f]")).as_py():
        for code in range(32):
            text = pc.replace_substring(text, chr(code), _ESCAPES.get(code, f"\\u{code:04x}"))
    return join_text('"', text, '"', "")


def _get(node: Any, keys: tuple[Key, ...]) -> str | None:
    """The text at ``keys``, or None; foreign non-string values come back as JSON text."""
    for key in keys:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and key < len(node) else None
        else:
            node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return None
    if isinstance(node, str):
        return node
    return json.dumps(node, ensure_ascii=False, separators=(",", ":"))


def _leaves(node: Any, prefix: tuple[Key, ...]) -> Iterator[tuple[Key, ...]]:
    """The paths of every non-null value in a resource."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*prefix, index))
    elif node is not None:
        yield prefix
