"""The Parquet reader: typed columns handed on as text, row group by row group."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sceau.sources.base import SourceError, open_source
from sceau.sources.readers.parquet import ParquetSource


def test_every_type_becomes_text(tmp_path):
    path = tmp_path / "export.parquet"
    table = pa.table(
        {
            "tel": pa.array(["0612345678", None]),
            "age": pa.array([42, None], pa.int32()),
            "poids": pa.array([61.5, 80.0]),
            "ddn": pa.array([dt.date(1980, 1, 2), dt.date(1975, 3, 15)]),
            "visite": pa.array([dt.datetime(2021, 2, 3, 10, 30), None], pa.timestamp("us")),
            "enceinte": pa.array([True, False]),
            "montant": pa.array([Decimal("12.50"), None], pa.decimal128(5, 2)),
            "adresse": pa.array([{"ville": "Paris", "cp": "75002"}, None]),
            "tels": pa.array([["0612345678", "0145678901"], []]),
            "photo": pa.array([b"\x89PNG", None], pa.binary()),
            "sexe": pa.array(["F", "M"]).dictionary_encode(),
        }
    )
    pq.write_table(table, path)
    (read,) = open_source(path).tables()
    assert read.expected_rows == 2
    (batch,) = read.batches()
    assert all(field.type == pa.string() for field in batch.schema)
    row = batch.to_pylist()[0]
    assert row == {
        "tel": "0612345678",
        "age": "42",
        "poids": "61.5",
        "ddn": "1980-01-02",
        "visite": "2021-02-03T10:30:00.000000",
        "enceinte": "true",
        "montant": "12.50",
        "adresse.ville": "Paris",
        "adresse.cp": "75002",
        "tels": '["0612345678", "0145678901"]',
        "photo": "89504e47",
        "sexe": "F",
    }
    assert batch.to_pylist()[1]["age"] is None


def test_batches_bounded_and_streamed(tmp_path, monkeypatch):
    path = tmp_path / "big.pq"
    pq.write_table(pa.table({"id": list(range(1000))}), path, row_group_size=300)

    def forbidden(*args, **kwargs):
        raise AssertionError("read_table loads the whole file")

    monkeypatch.setattr(pq, "read_table", forbidden)
    (table,) = ParquetSource(str(path), batch_rows=128).tables()
    sizes = [batch.num_rows for batch in table.batches()]
    assert max(sizes) <= 128
    assert sum(sizes) == 1000


def test_sniffed_without_suffix(tmp_path):
    path = tmp_path / "export"
    pq.write_table(pa.table({"a": ["x"]}), path)
    assert isinstance(open_source(path), ParquetSource)


def test_corrupt_file(tmp_path, check_error):
    path = tmp_path / "cut.parquet"
    pq.write_table(pa.table({"nom": ["SECRETNAME"] * 10}), path)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(SourceError, match="cannot read") as caught:
        list(open_source(path).tables())
    check_error(caught.value, str(path), ["SECRETNAME"])


def test_field_names_are_clean_and_unique(tmp_path):
    path = tmp_path / "export.parquet"
    table = pa.table({"NOM\nPAT": ["DUPONT"], "NOM PAT": ["x"], "adr": [{"ville\t": "Paris"}]})
    pq.write_table(table, path)
    (read,) = open_source(path).tables()
    (batch,) = read.batches()
    assert batch.schema.names == ["NOM PAT", "NOM PAT_2", "adr.ville"]
