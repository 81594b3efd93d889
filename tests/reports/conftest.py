"""Scan reports built by hand, shaped like the leaked file: what every format test renders."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sceau.detect.base import Category, ColumnFinding, Evidence, HealthCategory, Subject
from sceau.detect.report import ScanReport, TableScan
from sceau.sources.base import Skipped

STARTED = datetime(2025, 3, 14, 9, 30, 5, tzinfo=UTC)


def column(name, category, **fields):
    """A finding with plausible counts; ``fields`` override any of them."""
    defaults = {
        "confidence": 0.97,
        "subject": Subject.PATIENT,
        "rows": 1000,
        "non_null": 990,
        "matches": 985,
        "example": "",
        "evidence": [Evidence("header", f"header token {name.upper()}", 0.6)],
    }
    return ColumnFinding(name=name, category=category, **(defaults | fields))


def leaked_export() -> TableScan:
    """The patients' export of one lab: identity, comments, portal account."""
    return TableScan(
        source="exports/labo_17/patients.csv",
        kind="csv",
        rows=245_920,
        columns=[
            column("NIR", Category.NIR, example="9 99 99 99 999 999 99"),
            column("NOM", Category.PERSON_NAME, example="XXXXXXX"),
            column("PRENOM", Category.PERSON_NAME, example="Xxxxx"),
            column("SEXE", Category.SEX, example="X"),
            column("DDN", Category.BIRTH_DATE, example="99/99/9999"),
            column("TEL", Category.PHONE, example="99 99 99 99 99"),
            column("EMAIL", Category.EMAIL, example="xxxx.xxxx@xxxx.xx"),
            column(
                "COMMENTAIRE_1",
                Category.HEALTH_TEXT,
                matches=0,
                non_null=18_204,
                example="Xxxxxx xxx 99 XX",
                health_categories={
                    HealthCategory.HIV: 37,
                    HealthCategory.CANCER: 1_204,
                    HealthCategory.PREGNANCY: 3_310,
                },
                embedded={Category.NIR: 5, Category.PHONE: 212},
                evidence=[
                    Evidence("values", "18,204 non-empty cells average 41 characters", 0.5),
                    Evidence("values", "health lexicon entries HIV.vih, CANCER.k_sein", 0.9),
                ],
            ),
            column(
                "COMMENTAIRE_2",
                Category.FREE_TEXT,
                matches=0,
                non_null=2_007,
                health_categories={HealthCategory.GENETIC: 12},
            ),
            column("LOGIN", Category.LOGIN, example="xxxxx99"),
            column("MDP", Category.PASSWORD, subject=Subject.PATIENT, example="Xxxxxx99"),
            column("CODE_LABO", Category.FINESS, subject=Subject.LAB, confidence=0.88),
        ],
    )


def database_table() -> TableScan:
    """A table of the vendor's database, reached by URL."""
    return TableScan(
        source="postgresql://sceau@db.example/lis#prescripteurs",
        kind="postgresql",
        rows=1_204,
        columns=[
            column("rpps", Category.PRACTITIONER_ID, subject=Subject.PRACTITIONER),
            column("nom", Category.PERSON_NAME, subject=Subject.PRACTITIONER),
            column("adresse", Category.ADDRESS, subject=Subject.PRACTITIONER, confidence=0.71),
            column("hash_mdp", Category.PASSWORD_HASH, subject=Subject.PRACTITIONER),
        ],
        complete=False,
    )


def sample_report() -> ScanReport:
    return ScanReport(
        tables=[
            leaked_export(),
            database_table(),
            TableScan(source="exports/empty.csv", kind="csv", rows=0, columns=[]),
        ],
        started_at=STARTED,
        skipped=[
            Skipped(
                "exports/old.zip!/2019/patients.csv", "password-protected (encrypted): not read"
            ),
            Skipped(
                "postgresql://sceau@db.example/lis#audit",
                "permission denied: this user may not read it",
            ),
        ],
    )


@pytest.fixture
def report() -> ScanReport:
    return sample_report()
