"""A whole migration on the embedded default: SQLite state store, local keyring, SQLite target."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select
from tests.migrate.world import LAB_A_RULES, World, make_world

from sceau.crypto.envelope import SealError
from sceau.keys.base import KeyDestroyedError, KeyProviderError
from sceau.keys.material import fetch
from sceau.mandate.model import MandateError
from sceau.mandate.policy import DriftError
from sceau.migrate.certificate import CertificateError, verify_certificate
from sceau.migrate.pipeline import MigrationError, migrate
from sceau.migrate.report import MigrationReport
from sceau.migrate.runs import RunBusy, run_lock
from sceau.migrate.staging import Staging
from sceau.store.schema import keys, runs
from sceau.targets import TargetError


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path / "home")


def _target_rows(path: Path, table: str = "patients") -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f'SELECT * FROM "{table}"').fetchall()


def _in_scope(world: World) -> pl.DataFrame:
    visit = pl.col("DT_DERN_VISITE").str.to_date("%d/%m/%Y", strict=False)
    return world.synth.frame.filter((visit >= pl.date(2019, 1, 1)) & (visit < pl.date(2021, 1, 1)))


class _Watcher:
    """A progress observer that looks at the staging folder while the run is under way."""

    def __init__(self, world: World, on_phase: dict[str, object]) -> None:
        self.world = world
        self.on_phase = on_phase

    def step(self, text: str) -> None:
        pass

    def phase(self, name: str, total_rows: int | None, about: str = "") -> None:
        action = self.on_phase.get(name)
        if action is not None:
            action()  # type: ignore[operator]

    def rows(self, count: int) -> None:
        pass

    def phase_done(self) -> None:
        pass


def test_a_run_moves_exactly_what_the_mandate_allows(world: World, tmp_path: Path) -> None:
    target = tmp_path / "lis.db"
    mandate = world.signed_mandate(destination=f"sqlite:///{target}")
    outcome = migrate(world.session(), mandate)

    expected = _in_scope(world)
    assert outcome.status == "shredded"
    assert outcome.loaded.rows == outcome.staged.rows == expected.height > 0
    assert outcome.refused_rows == world.synth.frame.height - expected.height
    rows = _target_rows(target)
    assert len(rows) == expected.height
    with sqlite3.connect(target) as connection:
        names = [r[1] for r in connection.execute('PRAGMA table_info("patients")')]
    assert names == list(LAB_A_RULES)  # deny by default: nothing else reached the target
    loaded = pl.DataFrame(rows, schema=names, orient="row")
    assert sorted(loaded["NUM_DOSSIER"]) == sorted(expected["NUM_DOSSIER"])
    # identities are protected, kept columns are as they were
    assert set(loaded["N_SS"]).isdisjoint(set(world.synth.frame["N_SS"]))
    assert set(loaded["NOM_PAT"]).isdisjoint(set(world.synth.frame["NOM_PAT"]))
    assert loaded["DDN"].str.contains(r"^\d{4}$").all()
    assert loaded["TEL1"].str.starts_with("enc1:").all()
    # columns the mandate drops never reach the target, not even as bytes
    raw = target.read_bytes()
    for surname in expected["NOM_PAT"].unique().to_list()[:50]:
        assert surname.encode() not in raw
    for email in expected["MAIL_PAT"].drop_nulls().to_list()[:50]:
        assert email.encode() not in raw


def test_pseudonyms_are_the_same_from_run_to_run(world: World, tmp_path: Path) -> None:
    first, second = tmp_path / "one.db", tmp_path / "two.db"
    migrate(world.session(), world.signed_mandate(destination=f"sqlite:///{first}"))
    other = world.signed_mandate(tmp_path / "again.toml", destination=f"sqlite:///{second}")
    migrate(world.session(), other)
    one = {r[0]: r[1] for r in _target_rows(first)}
    two = {r[0]: r[1] for r in _target_rows(second)}
    assert one == two  # joins survive: the controller's key, not the run's


def test_the_run_leaves_no_readable_staging(world: World, tmp_path: Path) -> None:
    seen: dict[str, bytes] = {}
    staging_root = world.settings.staging_root

    def look() -> None:
        for path in staging_root.rglob("*.sealed"):
            if path.is_file():
                seen[str(path)] = path.read_bytes()
        assert (staging_root.stat().st_mode & 0o777) == 0o700

    watcher = _Watcher(world, {"load": look})
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    outcome = migrate(world.session(progress=watcher), mandate)

    assert seen, "the staging was looked at while the run was under way"
    frame = world.synth.frame
    needles = [v for v in frame["N_SS"].to_list() + frame["NOM_PAT"].to_list() if len(v) > 3]
    needles += [v.replace(" ", "") for v in frame["N_SS"].to_list()]
    for blob in seen.values():
        for needle in needles:
            assert needle.encode() not in blob
    # after shredding: folder gone, key destroyed at the provider, wrapped key forgotten
    assert not any(staging_root.rglob("*.sealed"))
    assert not world.provider.exists(outcome.key_id)
    with pytest.raises(KeyProviderError):
        fetch(world.provider, world.engine, outcome.key_id)
    with world.engine.connect() as connection:
        wrapped = connection.execute(
            select(keys.c.wrapped).where(keys.c.key_id == outcome.key_id)
        ).scalar_one()
    assert wrapped is None
    # the copies taken during the run cannot be opened with anything left on the machine
    path, blob = next(iter(seen.items()))
    copy = tmp_path / "copy" / Path(path).name
    copy.parent.mkdir()
    copy.write_bytes(blob)
    for key in _every_key_left(world):
        with pytest.raises(SealError):
            Staging(copy.parent, outcome.run_id, key).read(int(copy.name[6:12]))


def _every_key_left(world: World) -> list[bytes]:
    """Every secret the keyring and the store can still give."""
    found = []
    with world.engine.connect() as connection:
        for key_id in connection.execute(select(keys.c.key_id)).scalars():
            try:
                secret = fetch(world.provider, world.engine, key_id)
            except (KeyDestroyedError, KeyProviderError):
                continue
            if secret is not None:
                found.append(secret.value)
    return found


def test_the_certificate_and_report_state_the_facts(world: World, tmp_path: Path) -> None:
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    outcome = migrate(world.session(), mandate)

    certificate = outcome.certificate
    assert certificate is not None
    data = json.loads(json.dumps(certificate.to_dict()))
    verify_certificate(data)
    assert data["run_id"] == outcome.run_id
    assert data["mandate"]["sha256"] == outcome.verified.sha256
    assert data["rows"] == {"staged": outcome.staged.rows, "loaded": outcome.loaded.rows}
    assert data["key"]["destroyed"] is True
    assert data["shredded_by"] == "op.durand"
    data["rows"]["loaded"] += 1
    with pytest.raises(CertificateError):
        verify_certificate(data)

    report = MigrationReport(outcome).to_dict()
    comparison = report["extracted_versus_mandated"]
    assert comparison["columns_moved"] == len(LAB_A_RULES)
    assert comparison["columns_refused"] == world.synth.frame.width - len(LAB_A_RULES)
    assert comparison["rows_loaded"] == outcome.loaded.rows
    assert report["verification"]["match"] is True


def test_no_patient_value_in_any_event(world: World, tmp_path: Path) -> None:
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    migrate(world.session(), mandate)
    recorded = [(e.name, e.payload) for e in world.events.read()]
    names = [name for name, _ in recorded]
    for expected in (
        "run.started",
        "run.batch_staged",
        "run.batch_loaded",
        "run.verified",
        "key.destroyed",
        "run.shredded",
        "run.certificate",
    ):
        assert expected in names
    text = json.dumps([payload for _, payload in recorded])
    frame = world.synth.frame
    for column in ("N_SS", "NOM_PAT", "MAIL_PAT", "TEL1"):
        for value in frame[column].drop_nulls().to_list()[:100]:
            assert value not in text


def test_a_tampered_mandate_is_refused_and_recorded(world: World, tmp_path: Path) -> None:
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    mandate.write_bytes(mandate.read_bytes().replace(b"2019-01-01", b"2018-01-01"))
    with pytest.raises(MandateError):
        migrate(world.session(), mandate)
    with world.engine.connect() as connection:
        assert "mandate.refused" in world.events.names()
        assert connection.execute(select(runs)).first() is None
    assert not (tmp_path / "lis.db").exists()


def test_an_added_source_column_is_drift(world: World, tmp_path: Path) -> None:
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    frame = world.synth.frame.with_columns(pl.lit("x").alias("EXTRA"))
    frame.write_csv(world.source, separator=";")
    with pytest.raises(DriftError) as refused:
        migrate(world.session(), mandate)
    assert refused.value.column == "EXTRA"
    assert not (tmp_path / "lis.db").exists()


def test_a_kept_comment_column_carrying_nirs_is_drift(world: World, tmp_path: Path) -> None:
    rules = dict(LAB_A_RULES, COMMENT1="keep")
    frame = world.synth.frame.with_columns(
        (pl.lit("patient ") + pl.col("N_SS").str.replace_all(" ", "")).alias("COMMENT1")
    )
    frame.write_csv(world.source, separator=";")
    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}", rules=rules)
    with pytest.raises(DriftError) as refused:
        migrate(world.session(), mandate)
    assert refused.value.column == "COMMENT1"


def test_a_target_that_changed_fails_verification_and_keeps_staging(
    world: World, tmp_path: Path
) -> None:
    target = tmp_path / "lis.db"

    def tamper() -> None:
        with sqlite3.connect(target) as connection:
            connection.execute(
                'DELETE FROM "patients" WHERE rowid = (SELECT MIN(rowid) FROM "patients")'
            )

    mandate = world.signed_mandate(destination=f"sqlite:///{target}")
    with pytest.raises(MigrationError, match="verification failed"):
        migrate(world.session(progress=_Watcher(world, {"verify": tamper})), mandate)
    with world.engine.connect() as connection:
        run = connection.execute(select(runs)).mappings().one()
        names = world.events.names()
    assert run["status"] == "failed"
    assert "run.verification_failed" in names
    assert any(world.settings.staging_root.rglob("*.sealed"))
    assert world.provider.exists(run["key_id"])


def test_retention_shreds_a_stopped_run(world: World, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from sceau.migrate.shred import enforce_retention

    target = tmp_path / "lis.db"

    def stop() -> None:
        raise KeyboardInterrupt

    mandate = world.signed_mandate(destination=f"sqlite:///{target}", retention_days=2)
    with pytest.raises(KeyboardInterrupt):
        migrate(world.session(progress=_Watcher(world, {"load": stop})), mandate)
    assert any(world.settings.staging_root.rglob("*.sealed"))
    assert enforce_retention(world.session()).certificates == []  # not yet due
    later = datetime.now(UTC) + timedelta(days=3)
    with run_lock(world.settings.staging_root, _only_run(world)):  # a process still drives it
        busy = enforce_retention(world.session(now=lambda: later))
    assert (busy.certificates, busy.busy) == ([], [_only_run(world)])
    (certificate,) = enforce_retention(world.session(now=lambda: later)).certificates
    assert certificate.body["reason"] == "retention"
    assert not any(world.settings.staging_root.rglob("*.sealed"))
    verify_certificate(json.loads(json.dumps(certificate.to_dict())))


def test_the_remaining_treatments_end_to_end(tmp_path: Path) -> None:
    """Passwords re-hashed, NIR-shaped pseudonyms, birth dates to the month, through a run."""
    from argon2 import PasswordHasher
    from stdnum.fr import nir

    world = make_world(tmp_path / "home", patients=60)
    rules = {"NUM_DOSSIER": "keep", "N_SS": "pseudonymise:nir", "DDN": "generalise:month"}
    rules["MP"] = "rehash-password"
    target = tmp_path / "lis.db"
    migrate(world.session(), world.signed_mandate(destination=f"sqlite:///{target}", rules=rules))

    loaded = {row[0]: row[1:] for row in _target_rows(target)}
    source = {row["NUM_DOSSIER"]: row for row in world.synth.frame.iter_rows(named=True)}
    assert loaded
    hasher = PasswordHasher()
    for record, (pseudonym, month, rehashed) in loaded.items():
        original = source[record]
        assert nir.is_valid(pseudonym)
        assert pseudonym != original["N_SS"].replace(" ", "")
        assert pseudonym[0] == original["N_SS"][0]  # the sex digit is kept
        assert month == f"{original['DDN'][6:10]}-{original['DDN'][3:5]}"
        assert rehashed.startswith("$argon2id$")
        assert hasher.verify(rehashed, original["MP"])


def test_identifiers_past_the_drift_scans_sample_stop_the_run_before_loading(tmp_path: Path):
    """The drift scan classifies a sample; every row of free text moved as is is checked."""
    world = make_world(tmp_path / "home", patients=12_000, batch_rows=4_000)
    late = pl.int_range(pl.len()) >= 11_000
    frame = world.synth.frame.with_columns(
        pl.when(late)
        .then(pl.lit("rappel au ") + pl.col("N_SS").str.replace_all(" ", ""))
        .otherwise(pl.lit("rien à signaler"))
        .alias("COMMENT1")
    )
    frame.write_csv(world.source, separator=";")
    rules = dict(LAB_A_RULES, COMMENT1="keep")
    target = tmp_path / "lis.db"
    mandate = world.signed_mandate(destination=f"sqlite:///{target}", rules=rules, scope="")
    with pytest.raises(DriftError) as refused:
        migrate(world.session(), mandate)
    assert refused.value.column == "COMMENT1"
    assert refused.value.where == "mandate lab-a-to-new-lis: extraction"
    assert refused.value.reason == (
        "its text holds identifiers (NIR) and the mandate would move it as is (keep)"
    )
    assert _target_rows(target) == []  # nothing was loaded
    with world.engine.connect() as connection:
        run = connection.execute(select(runs)).mappings().one()
        names = world.events.names()
    assert run["status"] == "shredded"
    assert "run.scan_disagreed" in names  # what the data holds, not a source that changed
    assert "run.drift_refused" not in names
    assert run["summary"]["certificate"]["reason"] == "refused"
    assert not any(world.settings.staging_root.rglob("*.sealed"))


def _only_run(world: World) -> str:
    with world.engine.connect() as connection:
        return connection.execute(select(runs.c.run_id)).scalar_one()


def test_a_second_run_never_loads_over_a_first_runs_rows(world: World, tmp_path: Path) -> None:
    target = tmp_path / "lis.db"
    first = migrate(world.session(), world.signed_mandate(destination=f"sqlite:///{target}"))
    with pytest.raises(TargetError, match="already holds rows"):
        migrate(world.session(), world.signed_mandate(destination=f"sqlite:///{target}"))
    assert len(_target_rows(target)) == first.loaded.rows  # nothing loaded twice
    with world.engine.connect() as connection:  # refused before a second run even started
        assert connection.execute(select(runs.c.run_id)).scalars().all() == [first.run_id]


def test_a_run_driven_by_another_process_is_not_resumed(world: World, tmp_path: Path) -> None:
    def stop() -> None:
        raise KeyboardInterrupt

    mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    with pytest.raises(KeyboardInterrupt):
        migrate(world.session(progress=_Watcher(world, {"load": stop})), mandate)
    run_id = _only_run(world)
    with run_lock(world.settings.staging_root, run_id), pytest.raises(RunBusy):
        migrate(world.session(), mandate, resume=run_id)
    assert migrate(world.session(), mandate, resume=run_id).status == "shredded"


def test_redacted_comments_reach_the_target_without_identifiers_valid_or_not(tmp_path: Path):
    """The migration's redact treatment is the recall-first one: a number in a range the
    validating detector does not know, a lower-case IBAN and a name do not reach the target."""
    world = make_world(tmp_path / "home")
    comment = (
        "rappeler au 07 03 78 91 54 ou +33718643131, RIB fr4494320537254220670232533, Mme Martin"
    )
    frame = world.synth.frame.with_columns(pl.lit(comment).alias("COMMENT1"))
    frame.write_csv(world.source, separator=";")
    target = tmp_path / "lis.db"
    outcome = migrate(world.session(), world.signed_mandate(destination=f"sqlite:///{target}"))
    assert outcome.status == "shredded"
    with sqlite3.connect(target) as connection:
        loaded = {row[0] for row in connection.execute('SELECT "COMMENT1" FROM "patients"')}
    assert loaded == {"rappeler au [PHONE] ou [PHONE], RIB [IBAN], Mme [NAME]"}
