"""The same migration with every key provider and into every kind of target, all real."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pymysql
import pytest
from sqlalchemy import select
from tests.migrate.world import LAB_A_RULES, make_world

from sceau.config import Settings
from sceau.migrate.pipeline import migrate
from sceau.migrate.runs import total
from sceau.migrate.verify import digest_batches
from sceau.store.schema import runs
from sceau.targets import TargetError, TargetTable, open_target

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
MARIADB = "mysql://root@127.0.0.1:3306/test"


def _provider_settings(settings: Settings) -> dict[str, object]:
    return {
        name: getattr(settings, name)
        for name in (
            "key_provider",
            "openbao_addr",
            "openbao_token",
            "openbao_mount",
            "pkcs11_library",
            "pkcs11_token",
            "pkcs11_pin",
        )
    }


@pytest.mark.parametrize("provider", ["openbao", "pkcs11"])
def test_a_run_with_a_kms_or_an_hsm_destroys_its_key_there(
    provider: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    settings = request.getfixturevalue(f"{provider}_settings")
    world = make_world(tmp_path / "home", **_provider_settings(settings))
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    outcome = migrate(world.session(), mandate)
    assert outcome.status == "shredded"
    assert outcome.key_provider == provider
    assert not world.provider.exists(outcome.key_id)
    assert outcome.certificate is not None
    assert outcome.certificate.body["key"]["provider"] == provider


@pytest.mark.parametrize(
    ("destination", "table"),
    [
        (POSTGRES, "pg"),
        (MARIADB, "maria"),
        ("{tmp}/lis.parquet", "patients"),
    ],
)
def test_every_database_and_file_target_receives_exactly_the_staged_rows(
    destination: str, table: str, tmp_path: Path
) -> None:
    world = make_world(tmp_path / "home")
    name = f"{table}_{uuid.uuid4().hex[:8]}" if "://" in destination else table
    location = destination.format(tmp=tmp_path)
    try:
        outcome = migrate(world.session(), world.signed_mandate(destination=location, table=name))
        assert outcome.status == "shredded"
        target = open_target(location, TargetTable(name, tuple(LAB_A_RULES)))
        try:
            found = digest_batches(target.read_rows())
        finally:
            target.close()
        assert found == outcome.loaded == outcome.staged
    finally:
        _drop(location, name)


def test_fhir_target_gets_one_resource_per_row(tmp_path: Path) -> None:
    world = make_world(tmp_path / "home")
    rules = {"NUM_DOSSIER": "keep", "N_SS": "pseudonymise", "DDN": "generalise:year"}
    mandate = world.signed_mandate(
        destination=f"{tmp_path}/lis.fhir",
        table="Patient",
        rules=rules,
        targets={
            "NUM_DOSSIER": "identifier[0].value",
            "N_SS": "identifier[1].value",
            "DDN": "birthDate",
        },
    )
    outcome = migrate(world.session(), mandate)
    lines = [
        line
        for path in (tmp_path / "lis.fhir").glob("*.ndjson")
        for line in path.read_text().splitlines()
    ]
    assert len(lines) == outcome.loaded.rows > 0
    assert all('"resourceType":"Patient"' in line.replace(" ", "") for line in lines)


def test_a_target_that_goes_away_leaves_a_resumable_run(tmp_path: Path) -> None:
    world = make_world(tmp_path / "home", patients=600, batch_rows=50)
    table = f"gone_{uuid.uuid4().hex[:8]}"
    mandate = world.signed_mandate(destination=POSTGRES, table=table)
    calls = {"rows": 0}

    class CutTheLine:
        def step(self, text: str) -> None:
            pass

        def phase(self, name: str, total_rows: int | None, about: str = "") -> None:
            calls["phase"] = name

        def rows(self, count: int) -> None:
            if calls.get("phase") == "load":
                calls["rows"] += 1
                if calls["rows"] == 2:  # after two batches, the server drops the connection
                    with psycopg.connect(POSTGRES, autocommit=True) as admin:
                        admin.execute(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = %s",
                            (f"sceau load {table}",),
                        )

        def phase_done(self) -> None:
            pass

    try:
        with pytest.raises(TargetError):
            migrate(world.session(progress=CutTheLine()), mandate)
        with psycopg.connect(POSTGRES) as connection:
            partial = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        with world.engine.connect() as connection:
            run_id, status = connection.execute(select(runs.c.run_id, runs.c.status)).one()
        assert status == "loading"
        assert "run.stopped" in world.events.names()  # an alert: someone must resume it
        assert partial == total(world.engine, run_id, "loaded").rows > 0  # whole batches only
        outcome = migrate(world.session(), mandate, resume=run_id)
        assert outcome.status == "shredded"
        with psycopg.connect(POSTGRES) as connection:
            ids = [r[0] for r in connection.execute(f'SELECT "NUM_DOSSIER" FROM "{table}"')]
        assert len(ids) == len(set(ids)) == outcome.staged.rows
    finally:
        _drop(POSTGRES, table)


def _drop(location: str, table: str) -> None:
    """Remove the test's table and its checkpoints from a database target."""
    if location.startswith("postgresql"):
        with psycopg.connect(location, autocommit=True) as connection:
            connection.execute(f'DROP TABLE IF EXISTS "{table}"')
            connection.execute("DELETE FROM sceau_checkpoints WHERE table_name = %s", (table,))
    elif location.startswith("mysql"):
        connection = pymysql.connect(host="127.0.0.1", user="root", database="test")
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS `{table}`")
                cursor.execute("DELETE FROM sceau_checkpoints WHERE table_name = %s", (table,))
            connection.commit()
        finally:
            connection.close()
