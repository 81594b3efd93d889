"""Shared by the mandate tests: a complete mandate, accounts in a real state store, a clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from sceau.accounts import PasswordParams, Role, add_user
from sceau.audit.sink import AuditLog

CHEAP = PasswordParams(time_cost=1, memory_cost=8, parallelism=1)  # tests only
PASSWORD = "a long enough password for tests"
PASSPHRASE = "signer: maple quartz lantern"
NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)  # inside EXAMPLE's validity

SOURCE_COLUMNS = (
    "NUM_DOSSIER",
    "N_SS",
    "NOM_PAT",
    "DDN",
    "CP_PAT",
    "COMMENT1",
    "MP",
    "DT_DERN_VISITE",
    "FINESS",
)

EXAMPLE = """\
mandate_id = "lab-a-2019-2020"
purpose = "Migration of the 2019-2020 records of two labs to their new LIS"
legal_reference = "Processing contract of 2026-01-15, art. 4 (GDPR art. 28)"

[controller]
name = "Laboratoire des Deux Rives"
finess = "750000001"

[processor]
name = "LIS Vendor SAS"

[validity]
from = 2026-03-01
until = 2026-04-01T00:00:00Z

[source]
location = "exports/lab-a.csv"
columns = ["NUM_DOSSIER", "N_SS", "NOM_PAT", "DDN", "CP_PAT", "COMMENT1", "MP",
           "DT_DERN_VISITE", "FINESS"]

[destination]
location = "postgresql://lis@new-host/lab"
table = "patients"
create = true

[staging]
retention_days = 7

[[rows]]
column = "FINESS"
in = ["750000001", "750000002"]

[[rows]]
column = "DT_DERN_VISITE"
from = 2019-01-01
until = 2021-01-01

[columns]
N_SS = { treatment = "pseudonymise:nir", to = "nir_token", detected = "NIR" }
NOM_PAT = { treatment = "pseudonymise", detected = "PERSON_NAME" }
DDN = { treatment = "generalise:year", to = "birth_year", detected = "BIRTH_DATE" }
CP_PAT = { treatment = "generalise:department", to = "department", detected = "POSTCODE" }
COMMENT1 = { treatment = "redact-identifiers", detected = "HEALTH_TEXT" }
MP = { treatment = "rehash-password", to = "password_hash", detected = "PASSWORD" }
DT_DERN_VISITE = { treatment = "keep", detected = "DATE" }
FINESS = { treatment = "drop", detected = "FINESS" }
"""


def example(**replace: str) -> str:
    """EXAMPLE with some lines replaced: ``example(N_SS='N_SS = {...}')`` swaps the line that
    starts with ``N_SS =``; a value of ``""`` removes it."""
    lines = EXAMPLE.splitlines()
    for start, new in replace.items():
        key = start.replace("__", ".")
        matches = [i for i, line in enumerate(lines) if line.startswith(f"{key} =")]
        assert matches, key
        lines[matches[0]] = new
    return "\n".join(line for line in lines if line) + "\n"


def accounts(engine: Engine, events: AuditLog) -> None:
    """An admin, a controller (claire) and an operator (otto) in the store."""
    add_user(engine, events, "admin", Role.ADMIN, PASSWORD, by="admin", params=CHEAP)
    add_user(engine, events, "claire", Role.CONTROLLER, PASSWORD, by="admin", params=CHEAP)
    add_user(engine, events, "otto", Role.OPERATOR, PASSWORD, by="admin", params=CHEAP)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
