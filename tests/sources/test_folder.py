"""A folder: every readable file, sorted; hidden and bad ones recorded with the reason, not
fatal and never silent."""

from __future__ import annotations

import json

import pytest

from sceau.sources.base import open_source
from sceau.sources.folder import FolderSource


@pytest.fixture
def exports(tmp_path):
    root = tmp_path / "exports"
    (root / "labo_b").mkdir(parents=True)
    (root / ".cache").mkdir()
    (root / "b.csv").write_text("NOM;TEL\nDUPONT;0612345678\n")
    (root / "a.jsonl").write_text(json.dumps({"nom": "Roux"}) + "\n")
    (root / "labo_b" / "fhir.ndjson").write_text(json.dumps({"resourceType": "Patient"}) + "\n")
    (root / "labo_b" / "results").write_text("MSH|^~\\&|LAB\rPID|1||42\r")  # sniffed: HL7
    (root / ".hidden.csv").write_text("A;B\n1;2\n")
    (root / ".cache" / "c.csv").write_text("A;B\n1;2\n")
    (root / "empty.csv").write_bytes(b"")
    (root / "photo.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    return root


def test_every_readable_file_sorted(exports):
    source = open_source(exports, encoding="utf-8", header=True)
    assert isinstance(source, FolderSource)
    names = [table.name for table in source.tables()]
    assert names == [
        str(exports / "a.jsonl"),
        str(exports / "b.csv"),
        str(exports / "labo_b" / "fhir.ndjson") + "#Patient",
        str(exports / "labo_b" / "results") + "#MSH",
        str(exports / "labo_b" / "results") + "#PID",
    ]
    skipped = {entry.location: entry.reason for entry in source.skipped}
    assert set(skipped) == {
        str(exports / "empty.csv"),
        str(exports / "photo.bin"),
        str(exports / ".hidden.csv"),
        str(exports / ".cache") + "/",
    }
    assert "empty" in skipped[str(exports / "empty.csv")]
    assert "no reader" in skipped[str(exports / "photo.bin")]
    assert "hidden file" in skipped[str(exports / ".hidden.csv")]
    assert "hidden folder" in skipped[str(exports / ".cache") + "/"]


def test_readers_tell_the_kind_of_each_file(exports):
    kinds = [(source.kind, len(tables)) for source, tables in FolderSource(str(exports)).readers()]
    assert kinds == [("jsonl", 1), ("csv", 1), ("fhir", 1), ("hl7", 2)]


def test_options_reach_every_reader(exports):
    source = FolderSource(str(exports), batch_rows=1, delimiter=";", header=False)
    csv_table = next(t for t in source.tables() if t.name.endswith("b.csv"))
    assert [b.num_rows for b in csv_table.batches()] == [1, 1]
