"""The SQLite target: URL forms, a private file, WAL, and a batch that survives a SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest

from sceau.targets import TargetError, TargetTable, open_target

from .conftest import COLUMNS, batch, rows_of

ROW = ("1 80 01 75 123 456 78", "LÉGER", "Hélène", "female", "VIH")


def test_created_private_in_wal_mode(tmp_path):
    path = tmp_path / "lab.sqlite"
    target = open_target(f"sqlite:///{path}", TargetTable("patients", COLUMNS))
    target.prepare(create=True)
    target.write_batch("run-1", 0, batch([ROW]))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    wal = tmp_path / "lab.sqlite-wal"
    assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    with sqlite3.connect(path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert other.execute("SELECT count(*) FROM sceau_checkpoints").fetchone() == (1,)
    other.close()
    target.close()


def test_relative_url_and_nul(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = open_target("sqlite:///data/lab.db", TargetTable("patients", ("value",)))
    with pytest.raises(TargetError, match="cannot create the SQLite file") as caught:
        target.prepare(create=True)  # its folder does not exist
    assert "folder" in caught.value.hint
    (tmp_path / "data").mkdir()
    target.prepare(create=True)
    assert (tmp_path / "data" / "lab.db").is_file()
    values = [("a\x00b",), ("\x00",), (None,), ("",)]
    target.write_batch("run-1", 0, batch(values, columns=("value",)))
    assert sorted(rows_of(target), key=repr) == sorted(values, key=repr)
    target.close()


def test_not_a_database_and_lookalike_tables_are_refused(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("not a database at all, just patient notes: VIH\n" * 100)
    target = open_target(f"sqlite:///{path}", TargetTable("patients", COLUMNS))
    with pytest.raises(TargetError, match="not a SQLite database") as caught:
        target.prepare(create=True)
    assert "VIH" not in str(caught.value)
    target.close()
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE Patients (x TEXT)")
        connection.execute("CREATE VIEW v AS SELECT 1 AS x")
    connection.close()
    for name in ("patients", "v"):
        target = open_target(f"sqlite:///{other}", TargetTable(name, ("x",)))
        with pytest.raises(TargetError, match="view, or by a table spelt"):
            target.prepare(create=True)
        target.close()


def test_a_committed_batch_survives_sigkill(tmp_path):
    path = tmp_path / "killed.sqlite"
    script = textwrap.dedent(
        f"""
        import sys, time
        import pyarrow as pa
        from sceau.targets import TargetTable, open_target
        target = open_target({f"sqlite:///{path}"!r}, TargetTable("t", ("a",)))
        target.prepare(create=True)
        target.write_batch("run-1", 0, pa.record_batch([pa.array(["x"] * 1000)], names=["a"]))
        print("committed", flush=True)
        time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "committed"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
    target = open_target(f"sqlite:///{path}", TargetTable("t", ("a",)))
    target.prepare(create=False)
    assert target.loaded_batches("run-1") == {0: 1000}
    assert len(rows_of(target)) == 1000
    target.close()
