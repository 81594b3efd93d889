"""Archives: members streamed straight from zip, tar and compressed files, never extracted;
what is not read is listed with the reason; bombs and path tricks are refused."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import sqlite3
import stat
import tarfile
import tempfile
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sceau.sources.base import SourceError, open_source
from sceau.sources.folder import FolderSource
from sceau.sources.readers._bounded import ArchiveLimits
from sceau.sources.readers.archive import ArchiveSource

PATIENTS = "NOM;TEL;COMMENTAIRE\n" + "".join(
    f'PATIENT{i};06{i:08d};"suivi\nRAS"\n' for i in range(300)
)


def rows(table) -> list[dict]:
    return [row for batch in table.batches() for row in batch.to_pylist()]


def read_all(source) -> None:
    for table in source.tables():
        rows(table)


def expected() -> list[dict]:
    return [
        {"NOM": f"PATIENT{i}", "TEL": f"06{i:08d}", "COMMENTAIRE": "suivi\nRAS"} for i in range(300)
    ]


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "build", "member"),
    [
        ("x.zip", lambda data: zip_bytes({"2021/patients.csv": data}), "2021/patients.csv"),
        ("x.csv.gz", gzip.compress, "x.csv"),
        ("x.csv.bz2", bz2.compress, "x.csv"),
        ("x.csv.xz", lzma.compress, "x.csv"),
        ("x.tar", lambda data: tar_bytes({"a/patients.csv": data}), "a/patients.csv"),
        ("x.tgz", lambda data: tar_bytes({"a/patients.csv": data}, "w:gz"), "a/patients.csv"),
        ("x.tar.gz", lambda data: tar_bytes({"patients.csv": data}, "w:gz"), "patients.csv"),
        ("x.tar.bz2", lambda data: tar_bytes({"patients.csv": data}, "w:bz2"), "patients.csv"),
        ("x.tar.xz", lambda data: tar_bytes({"patients.csv": data}, "w:xz"), "patients.csv"),
        ("export", lambda data: zip_bytes({"patients.csv": data}), "patients.csv"),  # sniffed
    ],
)
def test_every_archive_kind_is_read_member_by_member(tmp_path, name, build, member):
    path = tmp_path / name
    path.write_bytes(build(PATIENTS.encode()))
    source = open_source(path, batch_rows=64)
    assert isinstance(source, ArchiveSource)
    (table,) = source.tables()
    assert table.name == f"{path}!/{member}"
    assert table.kind == "csv"
    batches = list(table.batches())
    assert max(batch.num_rows for batch in batches) <= 64
    assert [row for batch in batches for row in batch.to_pylist()] == expected()
    assert source.skipped == []


def test_progress_knows_the_size_the_archive_declares(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes({"patients.csv": PATIENTS.encode()}))
    (table,) = open_source(path).tables()
    assert table.expected_bytes == len(PATIENTS.encode())
    assert table.expected_rows is not None
    assert table.expected_rows >= 300  # estimated from the bytes per line of the sample
    gz = tmp_path / "x.csv.gz"
    gz.write_bytes(gzip.compress(PATIENTS.encode()))
    (table,) = open_source(gz).tables()
    assert table.expected_bytes == len(PATIENTS.encode())  # from the gzip trailer


def test_members_are_never_written_to_disk(tmp_path, monkeypatch):
    """Every member is streamed: no temporary file, nothing beside the archive."""
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setenv("TMPDIR", str(spool))
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    exports = tmp_path / "exports"
    exports.mkdir()
    table = pa.table({"nir": ["185057800608491"], "nom": ["DUPONT"]})
    parquet = io.BytesIO()
    pq.write_table(table, parquet)
    inner = tar_bytes({"b.csv": PATIENTS.encode(), "c.parquet": parquet.getvalue()}, "w:gz")
    (exports / "x.zip").write_bytes(
        zip_bytes({"a.csv": PATIENTS.encode(), "inner.tar.gz": inner, "d.jsonl": b'{"a": 1}\n'})
    )
    before = sorted(os.listdir(exports))
    source = FolderSource(str(exports))
    names = []
    for table in source.tables():
        names.append(table.name)
        rows(table)
    assert names == [
        f"{exports}/x.zip!/a.csv",
        f"{exports}/x.zip!/d.jsonl",
        f"{exports}/x.zip!/inner.tar.gz!/b.csv",
        f"{exports}/x.zip!/inner.tar.gz!/c.parquet",
    ]
    assert sorted(os.listdir(exports)) == before
    assert os.listdir(spool) == []


def test_a_member_is_a_location_of_its_own(tmp_path):
    path = tmp_path / "x.zip"
    inner = zip_bytes({"deep/b.csv": b"NOM;TEL\nDUPONT;0612345678\nMARTIN;0712345678\n"})
    path.write_bytes(zip_bytes({"2021/patients.csv": PATIENTS.encode(), "in.zip": inner}))
    (table,) = open_source(f"{path}!/2021/patients.csv").tables()
    assert table.name == f"{path}!/2021/patients.csv"
    assert rows(table) == expected()
    (table,) = open_source(f"{path}!/in.zip!/deep/b.csv").tables()
    assert rows(table)[1] == {"NOM": "MARTIN", "TEL": "0712345678"}
    with pytest.raises(SourceError, match="no such member"):
        open_source(f"{path}!/2022/patients.csv")


def test_members_needing_random_access_are_read_in_memory(tmp_path):
    import openpyxl

    parquet = io.BytesIO()
    pq.write_table(pa.table({"nir": ["185057800608491"], "ddn": ["1985-05-01"]}), parquet)
    workbook = openpyxl.Workbook()
    workbook.active.append(["NOM", "TEL"])
    workbook.active.append(["DUPONT", "0612345678"])
    xlsx = io.BytesIO()
    workbook.save(xlsx)
    db = tmp_path / "lab.sqlite"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE patients (nom TEXT, tel TEXT)")
        connection.execute("INSERT INTO patients VALUES ('DUPONT', '0612345678')")
    connection.close()
    path = tmp_path / "x.zip"
    path.write_bytes(
        zip_bytes(
            {"p.parquet": parquet.getvalue(), "w.xlsx": xlsx.getvalue(), "lab.db": db.read_bytes()}
        )
    )
    db.unlink()
    tables = {table.name: table for table in open_source(path).tables()}
    assert rows(tables[f"{path}!/p.parquet"]) == [{"nir": "185057800608491", "ddn": "1985-05-01"}]
    assert rows(tables[f"{path}!/w.xlsx#Sheet"]) == [{"NOM": "DUPONT", "TEL": "0612345678"}]
    assert rows(tables[f"{path}!/lab.db#patients"]) == [{"nom": "DUPONT", "tel": "0612345678"}]
    assert list(tmp_path.iterdir()) == [path]


def _reasons(source) -> dict[str, str]:
    list(source.tables())
    return {entry.location: entry.reason for entry in source.skipped}


def _encrypted(data: bytes) -> bytes:
    """A zip whose first member is flagged password-protected (Python cannot write one)."""
    patched = bytearray(data)
    local = patched.index(b"PK\x03\x04")
    central = patched.index(b"PK\x01\x02")
    patched[local + 6] |= 0x1
    patched[central + 8] |= 0x1
    return bytes(patched)


def test_what_is_not_read_is_listed_with_the_reason(tmp_path):
    path = tmp_path / "x.zip"
    buffer = io.BytesIO(zip_bytes({"secret.csv": PATIENTS.encode()}))
    with zipfile.ZipFile(buffer, "a") as archive:
        for name, data in {
            "ok.csv": PATIENTS.encode(),
            "../escape.csv": PATIENTS.encode(),
            "/etc/abs.csv": PATIENTS.encode(),
            ".hidden.csv": PATIENTS.encode(),
            "__MACOSX/._ok.csv": b"\x00\x05\x16\x07",
            ".git/config": b"x",
            ".git/HEAD": b"x",
            "photo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
            "cut.csv": PATIENTS.encode()[:-20],  # a truncated member
        }.items():
            archive.writestr(name, data)
    path.write_bytes(_encrypted(buffer.getvalue()))
    source = open_source(path)
    names = [table.name for table in source.tables()]
    assert names == [f"{path}!/cut.csv", f"{path}!/ok.csv"]  # cut.csv fails when streamed
    reasons = {entry.location.removeprefix(f"{path}!/"): entry.reason for entry in source.skipped}
    assert reasons == {
        "secret.csv": "password-protected (encrypted): not read",
        "../escape.csv": "its name points outside the archive (absolute, or ..): not read",
        "/etc/abs.csv": "its name points outside the archive (absolute, or ..): not read",
        ".hidden.csv": "a hidden file (its name starts with a dot): left out",
        "__MACOSX/": "a hidden folder: left out",
        ".git/": "a hidden folder: left out",
        "photo.png": "no reader knows this kind of file",
    }
    for reason in reasons.values():
        assert "PATIENT" not in reason


def test_links_are_not_followed(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        link = tarfile.TarInfo("passwd.csv")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
    path = tmp_path / "x.tar"
    path.write_bytes(buffer.getvalue())
    assert _reasons(open_source(path)) == {
        f"{path}!/passwd.csv": "a link or a device, not a file: not read"
    }
    zipped = tmp_path / "x.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        info = zipfile.ZipInfo("passwd.csv")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    assert _reasons(open_source(zipped)) == {
        f"{zipped}!/passwd.csv": "a link or a device, not a file: not read"
    }


def test_nesting_is_opened_one_level_deep(tmp_path):
    deepest = zip_bytes({"c.csv": PATIENTS.encode()})
    middle = zip_bytes({"c.zip": deepest, "b.csv": PATIENTS.encode()})
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes({"b.zip": middle}))
    source = open_source(path)
    assert [table.name for table in source.tables()] == [f"{path}!/b.zip!/b.csv"]
    assert {entry.location: entry.reason for entry in source.skipped} == {
        f"{path}!/b.zip!/c.zip": "an archive inside an archive inside an archive: not opened"
    }


def test_declared_sizes_beyond_the_bounds_are_bombs(tmp_path):
    zeros = b"0" * 200_000
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes({"a.csv": PATIENTS.encode(), "big.csv": zeros}))
    limits = ArchiveLimits(member_bytes=100_000)
    assert _reasons(open_source(path, limits=limits)) == {
        f"{path}!/big.csv": "not read: it unpacks to more than 100,000 bytes "
        "(taken for an archive bomb)"
    }
    limits = ArchiveLimits(ratio=50, ratio_floor=10_000)
    assert (
        "more than 50 times its packed size"
        in _reasons(open_source(path, limits=limits))[f"{path}!/big.csv"]
    )
    limits = ArchiveLimits(total_bytes=100_000)  # a.csv fits; big.csv would pass the total
    assert (
        "more than 100,000 bytes in all"
        in _reasons(open_source(path, limits=limits))[f"{path}!/big.csv"]
    )
    limits = ArchiveLimits(members=1)
    with pytest.raises(SourceError, match="lists more than 1 members"):
        list(open_source(path, limits=limits).tables())


def test_an_undeclared_size_is_bounded_as_it_unpacks(tmp_path, check_error):
    """gzip declares no size it must keep: the bound holds byte by byte."""
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "bomb.csv.gz").write_bytes(gzip.compress(b"A;B\n" + b"1;2\n" * 200_000))
    (exports / "x.zip").write_bytes(
        zip_bytes({"in.csv.gz": (exports / "bomb.csv.gz").read_bytes()})
    )
    limits = ArchiveLimits(member_bytes=300_000, ratio_floor=1 << 40)
    with pytest.raises(SourceError, match="archive bomb") as caught:
        read_all(open_source(exports / "bomb.csv.gz", limits=limits))
    check_error(caught.value, f"{exports}/bomb.csv.gz!/bomb.csv")
    limits = ArchiveLimits(ratio=20, ratio_floor=100_000)
    with pytest.raises(SourceError, match="more than 20 times its packed size"):
        read_all(open_source(exports / "bomb.csv.gz", limits=limits))


def test_an_oversized_random_access_member_is_skipped(tmp_path):
    parquet = io.BytesIO()
    pq.write_table(pa.table({"n": [str(i) for i in range(5000)]}), parquet)
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes({"p.parquet": parquet.getvalue()}))
    reasons = _reasons(open_source(path, limits=ArchiveLimits(memory_bytes=1000)))
    assert reasons[f"{path}!/p.parquet"].startswith("too large to read inside an archive")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"7z\xbc\xaf\x27\x1c\x00\x04rest", "a 7-Zip archive: not read"),
        (b"Rar!\x1a\x07\x01\x00rest", "a RAR archive: not read"),
        (zip_bytes({"a.csv": PATIENTS.encode()})[:200], "the archive is damaged or cut short"),
        (gzip.compress(PATIENTS.encode())[:300], "the archive is damaged or cut short"),
    ],
)
def test_archives_sceau_cannot_open_are_skipped_in_a_folder(tmp_path, data, reason):
    exports = tmp_path / "exports"
    exports.mkdir()
    name = "x.7z" if data.startswith(b"7z") else "x.rar" if data.startswith(b"Rar") else "x.zip"
    name = "x.csv.gz" if data.startswith(b"\x1f\x8b") else name
    (exports / name).write_bytes(data)
    (exports / "ok.csv").write_text(PATIENTS)
    source = FolderSource(str(exports))
    assert [table.name for table in source.tables()] == [str(exports / "ok.csv")]
    assert [(entry.location, entry.reason) for entry in source.skipped] == [
        (str(exports / name), reason)
    ]


def test_a_file_compressed_on_its_own_fails_like_the_file(tmp_path, check_error):
    """x.csv.gz named on its own is that CSV: a truncated one is an error, not a skip."""
    path = tmp_path / "x.csv.gz"
    path.write_bytes(gzip.compress(PATIENTS.encode()[:-7]))
    source = open_source(path)
    assert not source.collection
    with pytest.raises(SourceError, match="looks truncated") as caught:
        read_all(source)
    check_error(caught.value, f"{path}!/x.csv:600", ["PATIENT299"])


def test_json_lines_in_an_archive_keep_their_child_tables(tmp_path):
    lines = [{"id": i, "tels": [f"06{i:08d}"]} for i in range(3)]
    path = tmp_path / "x.zip"
    path.write_bytes(zip_bytes({"p.jsonl": "".join(json.dumps(d) + "\n" for d in lines).encode()}))
    names = [table.name for table in open_source(path).tables()]
    assert names == [f"{path}!/p.jsonl", f"{path}!/p.jsonl#tels"]
