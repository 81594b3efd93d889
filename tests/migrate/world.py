"""A small world for migration tests: a state store, a keyring, a controller who signs and an
operator who runs, and a synthetic lab's export. Built on the real components, nothing mocked."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sceau.accounts import PasswordParams, Role, add_user
from sceau.audit.sink import AuditLog
from sceau.config import Settings
from sceau.keys import KeyProvider, open_provider
from sceau.mandate.sign import sign_mandate
from sceau.mandate.signers import new_signer
from sceau.migrate.session import MigrationSession
from sceau.progress import Silent
from sceau.store import open_store
from sceau.synth import generate
from sceau.synth.labs import SynthTable
from sceau.synth.writers import write_csv

PASSWORD = "correct horse battery staple"
PASSPHRASE = "signer passphrase for tests"
CHEAP = PasswordParams(time_cost=1, memory_cost=1024, parallelism=1)  # tests only

# lab-a's columns: (treatment, category noted at draft); every other column is dropped
LAB_A_RULES = {
    "NUM_DOSSIER": "keep",
    "N_SS": "pseudonymise",
    "NOM_PAT": "pseudonymise",
    "DDN": "generalise:year",
    "CP_PAT": "generalise:department",
    "TEL1": "encrypt",
    "DT_DERN_VISITE": "keep",
    "COMMENT1": "redact-identifiers",
    "FINESS": "keep",
}
SCOPE = '[[rows]]\ncolumn = "DT_DERN_VISITE"\nfrom = 2019-01-01\nuntil = 2021-01-01\n'


@dataclass
class World:
    home: Path
    settings: Settings
    synth: SynthTable
    source: Path
    provider: KeyProvider = field(init=False)

    def __post_init__(self) -> None:
        self.engine = open_store(self.settings.store)
        self.events = AuditLog.from_settings(self.settings, self.engine)
        self.provider = open_provider(self.settings)
        add_user(self.engine, self.events, "admin", Role.ADMIN, PASSWORD, by="test", params=CHEAP)
        add_user(
            self.engine,
            self.events,
            "dr.martin",
            Role.CONTROLLER,
            PASSWORD,
            by="admin",
            params=CHEAP,
        )
        add_user(
            self.engine, self.events, "op.durand", Role.OPERATOR, PASSWORD, by="admin", params=CHEAP
        )
        self.signer_key = self.home / "signers" / "dr.martin.signer.pem"
        new_signer(self.engine, self.events, PASSPHRASE, self.home / "signers", user="dr.martin")

    def mandate_text(
        self,
        *,
        destination: str,
        table: str = "patients",
        rules: dict[str, str] | None = None,
        scope: str = SCOPE,
        columns: list[str] | None = None,
        targets: dict[str, str] | None = None,
        valid_days: int = 30,
        retention_days: int = 7,
        notes: dict[str, dict[str, str]] | None = None,
    ) -> str:
        """The mandate's TOML; ``notes`` sets a column's fields other than its treatment
        (``{"MP": {"detected": "PASSWORD", "category": "LOGIN", "reason": "…"}}``)."""
        rules = LAB_A_RULES if rules is None else rules
        truth = self.synth.truth()
        names = columns or list(self.synth.frame.columns)
        now = datetime.now(UTC)
        lines = [
            'mandate_id = "lab-a-to-new-lis"',
            'purpose = "Move lab A\'s 2019-2020 records to its new laboratory software"',
            'legal_reference = "Processing agreement 2026-014 (GDPR art. 28)"',
            "[controller]",
            'name = "Laboratoire A"',
            'finess = "130000011"',
            "[processor]",
            'name = "LIS Vendor SAS"',
            "[validity]",
            f"from = {(now - timedelta(days=1)).date().isoformat()}",
            f"until = {(now + timedelta(days=valid_days)).date().isoformat()}",
            "[source]",
            f'location = "{self.source}"',
            "columns = [" + ", ".join(f'"{n}"' for n in names) + "]",
            "[destination]",
            f'location = "{destination}"',
            f'table = "{table}"',
            "create = true",
            "[staging]",
            f"retention_days = {retention_days}",
            scope,
        ]
        for name in names:
            category = truth.get(name, {}).get("category", "OTHER")
            lines += [f'[columns."{name}"]', f'treatment = "{rules.get(name, "drop")}"']
            fields = {"detected": category, **(notes or {}).get(name, {})}
            lines += [f"{key} = {json.dumps(value)}" for key, value in fields.items()]
            if targets and name in targets:
                lines.append(f'to = "{targets[name]}"')
        return "\n".join(lines) + "\n"

    def signed_mandate(self, path: Path | None = None, **options: object) -> Path:
        path = path or self.home / "mandate.toml"
        path.write_text(self.mandate_text(**options), encoding="utf-8")  # type: ignore[arg-type]
        sign_mandate(path, self.signer_key, PASSPHRASE, self.engine, self.events, user="dr.martin")
        return path

    def session(
        self, actor: str = "op.durand", progress: object = None, now: Callable | None = None
    ) -> MigrationSession:
        session = MigrationSession(
            settings=self.settings,
            engine=self.engine,
            events=self.events,
            provider=self.provider,
            actor=actor,
            progress=progress or Silent(),  # type: ignore[arg-type]
        )
        if now is not None:
            session.now = now
        return session


def make_world(home: Path, *, patients: int = 400, seed: int = 7, **settings: object) -> World:
    home.mkdir(parents=True, exist_ok=True)
    exports = home / "exports"
    exports.mkdir()
    synth = generate(patients, seed=seed, lab="lab-a")
    write_csv(synth, exports)
    options: dict[str, object] = {
        "home": home,
        "keyring_passphrase": "keyring passphrase for tests",
        "batch_rows": 100,
    }
    options.update(settings)
    return World(home, Settings(**options), synth, exports / "lab-a.csv")  # type: ignore[arg-type]


def cli_world(home: Path, monkeypatch: pytest.MonkeyPatch, *, patients: int = 400) -> World:
    """A world the CLI finds through the environment, as the user's shell would give it."""
    world = make_world(home, patients=patients)
    monkeypatch.setenv("SCEAU_HOME", str(world.home))
    monkeypatch.setenv("SCEAU_KEYRING_PASSPHRASE", world.settings.keyring_passphrase)
    return world
