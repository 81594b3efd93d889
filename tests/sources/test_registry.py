"""The readers' registry: every built-in registered, chosen by kind/scheme/ending/content,
tolerant of options meant for other kinds, and documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sceau.sources.base import Source, open_source, registered
from sceau.urls import redact_url

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources.md"
BUILT_IN = {
    "csv", "parquet", "jsonl", "fhir", "xlsx", "hl7", "sqlite", "postgresql", "mariadb", "archive",
}  # fmt: skip


def test_every_built_in_registers():
    assert set(registered()) >= BUILT_IN


def test_every_reader_is_documented():
    headings = set(re.findall(r"^## (\S+)$", DOCS.read_text(encoding="utf-8"), re.MULTILINE))
    missing = (set(registered()) | {"folder"}) - headings
    assert not missing, f"docs/sources.md has no section for {sorted(missing)}"


@pytest.mark.parametrize("kind", sorted(BUILT_IN))
def test_every_reader_accepts_every_scan_option(kind, tmp_path):
    location = str(tmp_path / "x.sqlite") if kind == "sqlite" else str(tmp_path / "x")
    if kind == "postgresql":
        location = "postgresql://postgres@127.0.0.1:5432/test"
    if kind == "mariadb":
        location = "mysql://root@127.0.0.1:3306/test"
    reader = registered()[kind](
        location, batch_rows=10, encoding="utf-8", delimiter=";", header=True, unknown=1
    )
    assert isinstance(reader, Source)
    assert reader.batch_rows == 10


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.CSV", b"A;B\n1;2\n", "csv"),
        ("a.tsv", b"A\tB\n1\t2\n", "csv"),
        ("a.jsonl", b'{"a": 1}\n', "jsonl"),
        ("a.ndjson", b'{"resourceType": "Patient"}\n', "fhir"),
        ("a.hl7", b"MSH|^~\\&|X\r", "hl7"),
        ("noext_hl7", b"\x0bMSH|^~\\&|X\r", "hl7"),
        ("noext_json", b'{"a": 1}\n', "jsonl"),
        ("noext_fhir", b'{"resourceType": "Patient"}\n', "fhir"),
        ("noext_csv", b"NOM;TEL\nA;06\nB;07\n", "csv"),
        ("a.zip", b"PK\x05\x06" + bytes(18), "archive"),
        ("a.csv.gz", b"\x1f\x8b\x08\x00", "archive"),
        ("a.tgz", b"\x1f\x8b\x08\x00", "archive"),
        ("noext_zip", b"PK\x05\x06" + bytes(18), "archive"),
        ("noext_xz", b"\xfd7zXZ\x00\x00", "archive"),
        ("noext_tar", bytes(257) + b"ustar\x0000" + bytes(250), "archive"),
    ],
)
def test_open_source_picks_the_reader(tmp_path, name, content, kind):
    path = tmp_path / name
    path.write_bytes(content)
    assert open_source(path).kind == kind


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("postgresql://u@h/db", "postgresql"),
        ("postgres://u@h/db", "postgresql"),
        ("mysql://u@h/db", "mariadb"),
        ("mysql+pymysql://u@h/db#t", "mariadb"),
        ("mariadb://u@h/db", "mariadb"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_urls(url, kind):
    assert open_source(url).kind == kind


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://lis:s3cret@db.example/lab", "postgresql://lis@db.example/lab"),
        (
            "mysql+pymysql://lis@db.example/lab?password=s3cret",
            "mysql+pymysql://lis@db.example/lab",
        ),
        (
            "mysql://lis@h/lab?charset=utf8&PASSWORD=s3cret&ssl=1",
            "mysql://lis@h/lab?charset=utf8&ssl=1",
        ),
        (
            "postgresql://h/lab?sslmode=require&password=s3cret",
            "postgresql://h/lab?sslmode=require",
        ),
        ("sqlite:////data/state.db", "sqlite:////data/state.db"),
    ],
)
def test_a_url_is_shown_without_any_password(url, shown):
    assert redact_url(url) == shown
    assert "s3cret" not in redact_url(url)
