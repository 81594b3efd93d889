"""The Parquet and FHIR folders: private files renamed into place, leftovers cleaned, a folder
that goes away or a disk that fills mid-write leaving nothing half-written."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap

import pyarrow.parquet as pq
import pytest

from sceau.targets import TargetError, TargetTable, open_target

from .conftest import COLUMNS, batch, rows_of

ROW = ("1 80 01 75 123 456 78", "LÉGER", "Hélène", "female", "VIH")
FOLDERS = {
    "parquet": ("export.parquet", "patients", ".parquet"),
    "fhir": ("export.fhir", "Patient", ".ndjson"),
}


def _target(tmp_path, kind, name=None):
    folder, table, _ = FOLDERS[kind]
    return open_target(str(tmp_path / folder), TargetTable(name or table, COLUMNS))


@pytest.mark.parametrize("kind", FOLDERS)
def test_private_folder_and_one_named_file_per_batch(tmp_path, kind):
    folder, table, ending = FOLDERS[kind]
    target = _target(tmp_path, kind)
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([ROW] * 3))
    target.write_batch("run-1", 12, batch([ROW]))
    assert stat.S_IMODE((tmp_path / folder).stat().st_mode) == 0o700
    names = sorted(p.name for p in (tmp_path / folder).iterdir())
    assert names == [f"{table}-run-1-000000{ending}", f"{table}-run-1-000012{ending}"]
    for path in (tmp_path / folder).iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert target.loaded_batches("run-1") == {0: 3, 12: 1}


@pytest.mark.parametrize("kind", FOLDERS)
def test_leftovers_of_a_killed_writer_are_removed(tmp_path, kind):
    folder, table, ending = FOLDERS[kind]
    target = _target(tmp_path, kind)
    target.prepare(create=True)
    leftover = tmp_path / folder / f".{table}-run-1-000001{ending}.abc123.part"
    leftover.write_bytes(b'{"resourceType":"Patient","name":[{"family":"LEG')
    others = tmp_path / folder / ".Other-run-1-000001.part"
    others.write_bytes(b"another table's business")
    target.prepare(create=False)
    assert not leftover.exists()
    assert others.exists()
    assert target.loaded_batches("run-1") == {}


@pytest.mark.parametrize("kind", FOLDERS)
def test_a_folder_that_goes_away_or_is_a_file(tmp_path, kind):
    folder, _, _ = FOLDERS[kind]
    target = _target(tmp_path, kind)
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([ROW]))
    for path in (tmp_path / folder).iterdir():
        path.unlink()
    (tmp_path / folder).rmdir()
    with pytest.raises(TargetError) as caught:
        target.write_batch("run-1", 1, batch([ROW]))
    assert caught.value.hint
    assert not (tmp_path / folder).exists()
    with pytest.raises(TargetError, match="does not exist"):
        target.loaded_batches("run-1")
    (tmp_path / folder).write_text("a file, not a folder")
    with pytest.raises(TargetError, match="not a folder"):
        target.prepare(create=True)
    with pytest.raises(TargetError, match="does not exist"):
        _target(tmp_path / "nowhere", kind).prepare(create=False)


def test_a_disk_that_fills_mid_write_leaves_nothing(tmp_path):
    """RLIMIT_FSIZE makes the kernel refuse a write past 64 KB, as a full disk would."""
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        import pyarrow as pa
        from sceau.targets import TargetError, TargetTable, open_target
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        values = pa.array([str(i) * 50 for i in range(20000)])
        for location, name in [({str(tmp_path / "a.parquet")!r}, "t"),
                               ({str(tmp_path / "a.fhir")!r}, "Patient")]:
            target = open_target(location, TargetTable(name, ("note[0].text",)))
            target.prepare(create=True)
            resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.RLIM_INFINITY))
            try:
                target.write_batch("run-1", 0, pa.record_batch([values], names=["note[0].text"]))
            except TargetError as error:
                print(error.message)
            resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
            print(target.loaded_batches("run-1"))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.splitlines() == [
        "cannot write or read the target folder (EFBIG)",
        "{}",
        "cannot write or read the target folder (EFBIG)",
        "{}",
    ]
    assert [p.name for p in (tmp_path / "a.parquet").iterdir()] == []
    assert [p.name for p in (tmp_path / "a.fhir").iterdir()] == []


def test_parquet_names_and_damaged_files(tmp_path):
    with pytest.raises(TargetError, match="cannot start file names"):
        _target(tmp_path, "parquet", name="lab-01").prepare(create=True)
    target = _target(tmp_path, "parquet")
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([ROW] * 3))
    (path,) = (tmp_path / "export.parquet").iterdir()
    assert pq.read_schema(path).names == list(COLUMNS)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(TargetError, match="cannot be read") as caught:
        target.prepare(create=False)
    assert "move it away" in caught.value.hint
    with pytest.raises(TargetError, match="cannot be read"):
        list(target.read_rows())


def test_reads_stop_early_without_harm(tmp_path):
    target = _target(tmp_path, "parquet")
    target.prepare(create=True)
    for number in range(3):
        target.write_batch("run-1", number, batch([ROW] * 2))
    reader = target.read_rows()
    assert next(reader).num_rows == 2
    reader.close()
    assert len(rows_of(target)) == 6
