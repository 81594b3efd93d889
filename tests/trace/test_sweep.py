"""A sweep finds the stray copies of a recorded reading — plain, inside a zip, inside a
``.csv.gz``, on a folder and on a real FTP server on loopback — and nothing else: not a file of
people never recorded, not a copy where a mandate declares the data to be. Each find raises
one ``stray-copy`` alert, and the service's periodic sweep raises a file unchanged only once.
The exports are the foreign evaluation set's (written apart from sceau)."""

from __future__ import annotations

import gzip
import os
import tempfile
import threading
import warnings
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from tests.foreign.generator import generate
from tests.trace.test_trace_leak import Kept, read_table

from sceau.alerts.policy import load_policy
from sceau.alerts.supervisor import Supervisor
from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog
from sceau.config import ConfigError, load_settings
from sceau.detect.scan import ScanOptions, scan
from sceau.keys import open_provider
from sceau.store import open_store
from sceau.store.schema import alerts
from sceau.trace.declared import Declared
from sceau.trace.index import TraceIndex
from sceau.trace.key import trace_key
from sceau.trace.record import Fingerprinting
from sceau.trace.sweep import Sweep, record_finds
from sceau.trace.watch import Watch

with warnings.catch_warnings():  # pyftpdlib runs on the standard library's deprecated asyncore
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import FTPServer

EXPORT = "axilab_export_patients.csv"
FTP_PASSWORD = "ftp-secret-never-shown"


def record(index: TraceIndex, secret: bytes, export: Path) -> int:
    recorder = Fingerprinting(
        index=index,
        events=Kept(),
        secret=secret,
        kind="run",
        ref="run-2021",
        by="op.durand",
        clock=lambda: datetime.now(UTC),
    )
    scan([str(export)], options=ScanOptions(read_along=recorder))
    (number,) = [r.record_id for r in recorder.records]
    return number


def write_strays(lab: Path, never: Path, shared: Path) -> dict[str, Path]:
    """A shared folder: three stray copies of the recorded export, and two decoys."""
    original = read_table(lab / EXPORT)
    other = read_table(never / EXPORT)
    text = original.sample(80, seed=1).write_csv(separator=";")
    shared.mkdir(parents=True)
    (shared / "old").mkdir()
    paths = {
        "plain": shared / "extraction_labo.csv",
        "zip": shared / "old" / "archive.zip",
        "gzip": shared / "old" / "extract.csv.gz",
        "never": shared / "other_people.csv",
        "declared": shared / "declared" / "export.csv",
    }
    paths["plain"].write_text(text)
    with zipfile.ZipFile(paths["zip"], "w") as archive:
        archive.writestr("inside/patients.csv", original.head(120).write_csv(separator=";"))
    paths["gzip"].write_bytes(gzip.compress(original.tail(90).write_csv(separator=";").encode()))
    paths["never"].write_text(other.head(100).write_csv(separator=";"))
    paths["declared"].parent.mkdir()
    paths["declared"].write_text(text)
    return paths


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep")
    generate(root / "lab", patients=200, seed=2021)
    generate(root / "never", patients=200, seed=2023)
    index = TraceIndex(open_store(f"sqlite:///{root / 'store.db'}"), root / "index")
    secret = os.urandom(32)
    number = record(index, secret, root / "lab" / EXPORT)
    paths = write_strays(root / "lab", root / "never", root / "shared")
    return root, index, secret, number, paths


def sweeper(world, **options) -> Sweep:
    root, index, secret, _, paths = world
    declared = Declared.of([paths["declared"].parent, root / "lab"])
    return Sweep(index=index, secret=secret, excluded=declared, **{"max_mb": 8, **options})


def test_a_sweep_finds_the_stray_copies_plain_zipped_and_gzipped_and_nothing_else(world):
    root, _, _, number, paths = world
    report = sweeper(world).run([str(root / "shared")])
    found = {find.path: find for find in report.finds}
    assert set(found) == {str(paths[k]) for k in ("plain", "zip", "gzip")}
    assert found[str(paths["plain"])].matched_rows == 80
    assert found[str(paths["zip"])].matched_rows == 120
    assert found[str(paths["gzip"])].matched_rows == 90
    for find in report.finds:
        assert [r.record_id for r in find.records] == [number]
        assert find.size == Path(find.path).stat().st_size
        assert find.age_days(datetime.now(UTC)) == 0
    skipped = {s.location: s.reason for s in report.skipped}
    assert "signed mandate declares" in skipped[str(paths["declared"].parent) + os.sep]
    assert str(paths["never"]) not in found
    assert report.files == 4  # the three strays and the file of people never recorded


def test_a_file_above_the_limit_or_without_patients_is_listed_with_why(world, tmp_path):
    (tmp_path / "big.csv").write_text("a;b\n" + "x;y\n" * 300_000)  # 1.2 MB
    (tmp_path / "stock.csv").write_text("item;count\nreagent;3\ntubes;40\n")
    with zipfile.ZipFile(tmp_path / "mixed.zip", "w") as archive:
        archive.writestr("stock.csv", "item;count\nreagent;3\n")
        archive.writestr("photo.bin", bytes(range(256)))
    report = sweeper(world, max_mb=1).run([str(tmp_path)])
    skipped = {s.location.removeprefix(str(tmp_path)): s.reason for s in report.skipped}
    assert skipped.pop("/mixed.zip!/photo.bin")  # a member no reader claims, with its reason
    assert skipped == {
        "/big.csv": "larger than the sweep's limit of 1 MB: not read",
        "/mixed.zip": "no identifier of a patient in it",
        "/stock.csv": "no identifier of a patient in it",
    }
    assert not report.finds


def test_a_sweep_asked_to_stop_ends_before_its_next_file(world):
    asked = []

    def stop() -> bool:
        asked.append(True)
        return len(asked) > 2

    report = sweeper(world).run([str(world[0] / "shared")], stop=stop)
    assert report.files == 2  # two files traced, then it stopped


@pytest.fixture
def ftp_server(world) -> Iterator[int]:
    """A real FTP server on loopback serving the shared folder, with a password."""
    authorizer = DummyAuthorizer()
    authorizer.add_user("lab", FTP_PASSWORD, str(world[0] / "shared"), perm="elr")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    server = FTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.05}, daemon=True)
    thread.start()
    yield server.socket.getsockname()[1]
    server.close_all()
    thread.join(timeout=5)


def test_a_sweep_of_an_ftp_server_finds_the_strays_and_leaves_no_download(
    world, ftp_server, tmp_path, monkeypatch
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    base = f"ftp://lab@127.0.0.1:{ftp_server}"
    report = sweeper(world, password=FTP_PASSWORD).run([base + "/"])
    assert {find.path for find in report.finds} == {
        base + "/extraction_labo.csv",
        base + "/old/archive.zip",
        base + "/old/extract.csv.gz",
        base + "/declared/export.csv",  # the declared folder is a local one, not the server's
    }
    assert list(tmp_path.iterdir()) == []  # every download deleted once traced
    log = AuditLog(open_store(f"sqlite:///{tmp_path / 'audit.db'}"), AuditKey.generate())
    record_finds(log, report, actor="op.durand")
    assert FTP_PASSWORD not in str(report.to_dict())
    entries = [entry for _, entry in log.numbered()]
    assert len(entries) == 5  # a find each, and the sweep
    assert all(FTP_PASSWORD.encode() not in entry for entry in entries)


def test_a_wrong_ftp_password_is_listed_not_raised(world, ftp_server):
    report = sweeper(world, password="wrong").run([f"ftp://lab@127.0.0.1:{ftp_server}/"])
    (skipped,) = report.skipped
    assert skipped.reason == "the FTP server refused this user or password"
    assert not report.finds


def test_each_find_raises_one_stray_copy_alert(world, tmp_path):
    root = world[0]
    engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    log = AuditLog(engine, AuditKey.generate())
    supervisor = Supervisor(engine, log, load_policy({}), {})
    for _ in range(2):  # the same files, found twice: still one alert each
        record_finds(log, sweeper(world).run([str(root / "shared")]), actor="op.durand")
        supervisor.round()
    with engine.connect() as connection:
        raised = connection.execute(
            select(alerts.c.summary, alerts.c.facts).where(alerts.c.rule == "stray-copy")
        ).all()
    assert len(raised) == 3
    for summary, facts in raised:
        assert "stray copy of patient data" in summary
        assert "day(s) ago" in summary
        assert facts["records"] == f"#{world[3]}"


def test_the_services_periodic_sweep_raises_an_unchanged_file_once(tmp_path, monkeypatch):
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCEAU_KEYRING_PASSPHRASE", "a keyring passphrase for the sweep tests")
    generate(tmp_path / "lab", patients=120, seed=77)
    shared = tmp_path / "shared"
    shared.mkdir()
    settings = load_settings(sweep=(str(shared),))
    engine = open_store(settings.store)
    log = AuditLog(engine, AuditKey.generate())
    provider = open_provider(settings)
    try:
        secret = trace_key(provider, engine, log, actor="op.durand")
    finally:
        provider.close()
    record(TraceIndex(engine, settings.home / "trace"), secret, tmp_path / "lab" / EXPORT)
    original = read_table(tmp_path / "lab" / EXPORT)
    stray = shared / "copie.csv"
    stray.write_text(original.head(60).write_csv(separator=";"))
    watch = Watch(settings, engine, log)
    supervisor = Supervisor(engine, log, load_policy({}), {})
    for _ in range(3):
        watch.round()
        supervisor.round()
    found = list(log.numbered(names=["trace.stray_found"]))
    assert len(found) == 1
    stray.write_text(original.head(70).write_csv(separator=";"))  # changed: a new find
    watch.round()
    supervisor.round()
    with engine.connect() as connection:
        keys = connection.execute(
            select(alerts.c.key).where(alerts.c.rule == "stray-copy")
        ).scalars()
        assert len(list(keys)) == 2


_PART = st.text(alphabet="abcdefgh-_.0", min_size=1, max_size=6).filter(
    lambda part: part not in {".", ".."}
)


@given(root=st.lists(_PART, min_size=1, max_size=3), rest=st.lists(_PART, max_size=3))
def test_a_declared_location_covers_what_lies_under_it_and_nothing_beside_it(root, rest):
    folder = "/srv/" + "/".join(root)
    declared = Declared.of([folder, f"ftp://lab@ftp.example:2121{folder}"])
    assert declared("/".join([folder, *rest]))
    assert declared(f"ftp://other@ftp.example:2121{'/'.join([folder, *rest])}")
    assert not declared(folder + "x")  # a sibling sharing the name's start is not under it
    assert not declared(f"ftp://lab@ftp.example{folder}")  # another port: another server
    assert not declared("/srv")


def test_the_sweep_setting_takes_a_list_or_lines_and_refuses_a_password(tmp_path):
    home = str(tmp_path)
    env = {"SCEAU_HOME": home, "SCEAU_SWEEP": "/srv/partage\n ftp://lab@ftp.example/depot \n"}
    assert load_settings(env).sweep == ("/srv/partage", "ftp://lab@ftp.example/depot")
    (tmp_path / "config.toml").write_text('sweep = ["/srv/a", "/srv/b"]\nsweep_hours = 6\n')
    settings = load_settings({"SCEAU_HOME": home})
    assert (settings.sweep, settings.sweep_hours) == (("/srv/a", "/srv/b"), 6)
    with pytest.raises(ConfigError) as refused:
        load_settings({"SCEAU_HOME": home, "SCEAU_SWEEP": "ftp://lab:secret@ftp.example/"})
    assert "holds a password" in refused.value.message
    assert "secret" not in str(refused.value)
