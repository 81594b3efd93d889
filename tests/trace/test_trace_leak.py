"""A file that turns up is traced to the recorded reading its people came from, however it was
cut, reformatted, re-encoded or converted; a file merged from two readings names both; a file of
people never read names nobody. The exports are the foreign evaluation set's (written apart from
sceau), not ``sceau synth``'s."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from tests.foreign.generator import generate

from sceau.detect.scan import ScanOptions, scan
from sceau.events import Event
from sceau.sources.base import open_source
from sceau.sources.frames import frame_of
from sceau.store import open_store
from sceau.trace.index import TraceIndex
from sceau.trace.leak import trace_leak
from sceau.trace.record import Fingerprinting

PATIENTS = 300


class Kept:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def record(self, event: Event) -> None:
        self.events.append(event)


def read_table(path: Path) -> pl.DataFrame:
    (table,) = list(open_source(str(path)).tables())
    return pl.concat([frame_of(batch) for batch in table.batches()])


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("trace")
    generate(root / "lab-a", patients=PATIENTS, seed=2021)
    generate(root / "lab-b", patients=PATIENTS, seed=2022)
    generate(root / "never", patients=PATIENTS, seed=2023)
    index = TraceIndex(open_store(f"sqlite:///{root / 'store.db'}"), root / "index")
    secret = os.urandom(32)
    numbers = {}
    for name, path in (
        ("a", root / "lab-a" / "axilab_export_patients.csv"),
        ("b", root / "lab-b" / "kalisto_requete.csv"),
    ):
        recorder = Fingerprinting(
            index=index,
            events=Kept(),
            secret=secret,
            kind="run",
            ref=f"run-{name}",
            by="op.durand",
            clock=lambda: datetime.now(UTC),
        )
        scan([str(path)], options=ScanOptions(read_along=recorder))
        (numbers[name],) = [r.record_id for r in recorder.records]
    return root, index, secret, numbers


def traced(world, frame: pl.DataFrame, name: str, write) -> dict:
    root, index, secret, _ = world
    path = root / "leaks" / name
    path.parent.mkdir(exist_ok=True)
    write(frame, path)
    report = trace_leak([str(path)], index, secret).to_dict()
    (table,) = report["tables"]
    return table


def csv(frame: pl.DataFrame, path: Path) -> None:
    frame.write_csv(path, separator=";")


def named(table: dict) -> list[int]:
    return [s["record"] for s in table["sources"]]


def test_a_slice_of_50_reordered_rows_is_traced_to_its_reading(world):
    original = read_table(world[0] / "lab-a" / "axilab_export_patients.csv")
    leak = original.sample(50, seed=7, shuffle=True)
    table = traced(world, leak, "slice.csv", csv)
    assert named(table) == [world[3]["a"]]
    assert table["matched_rows"] == 50


def test_a_copy_keeping_only_names_and_birth_dates_reformatted_is_traced(world):
    original = read_table(world[0] / "lab-a" / "axilab_export_patients.csv")
    leak = original.select(
        pl.concat_str(
            [pl.col("NOM").str.to_uppercase(), pl.col("PRENOMS").str.to_lowercase()], separator="  "
        ).alias("patient"),
        pl.col("DATE_NAISS")
        .str.to_date("%d/%m/%Y", strict=False)
        .dt.strftime("%Y-%m-%d")
        .alias("naissance"),
        pl.col("CP").alias("code postal"),
    ).head(120)
    table = traced(world, leak, "names.csv", csv)
    assert named(table) == [world[3]["a"]]
    assert table["sources"][0]["by_identifier"] == {"name_birth": 120}


@pytest.mark.parametrize("form", ["cp1252-comma.csv", "parquet", "jsonl"])
def test_a_reencoded_or_converted_copy_is_traced(world, form):
    original = read_table(world[0] / "lab-a" / "axilab_export_patients.csv").head(200)

    def write(frame: pl.DataFrame, path: Path) -> None:
        if form == "parquet":
            frame.write_parquet(path.with_suffix(".parquet"))
            path.with_suffix(".parquet").rename(path)
        elif form == "jsonl":
            frame.write_ndjson(path)
        else:
            path.write_bytes(frame.write_csv(separator=",").encode("cp1252", errors="replace"))

    suffix = {"parquet": ".parquet", "jsonl": ".jsonl"}.get(form, ".csv")
    table = traced(world, original, f"copy-{form}{suffix}", write)
    assert named(table) == [world[3]["a"]]
    assert table["matched_rows"] == 200


def test_a_file_merged_from_two_readings_names_both(world):
    root, _, _, numbers = world
    a = read_table(root / "lab-a" / "axilab_export_patients.csv")
    b = read_table(root / "lab-b" / "kalisto_requete.csv")
    leak = pl.concat(
        [
            a.select(pl.col("NIR").alias("nss"), pl.col("NOM").alias("nom")).head(80),
            b.select(pl.col("N° SS").alias("nss"), pl.col("Nom usuel").alias("nom")).head(60),
        ]
    ).sample(fraction=1.0, seed=3, shuffle=True)
    table = traced(world, leak, "merged.csv", csv)
    assert sorted(named(table)) == sorted([numbers["a"], numbers["b"]])
    explained = {s["record"]: s["explains"] for s in table["sources"]}
    assert explained == {numbers["a"]: 80, numbers["b"]: 60}


def test_people_never_read_are_traced_to_nobody(world):
    never = read_table(world[0] / "never" / "axilab_export_patients.csv")
    table = traced(world, never, "never.csv", csv)
    assert table["sources"] == []
    assert table["matched_rows"] == 0
    assert table["unmatched_rows"] == PATIENTS


def test_a_name_in_three_columns_counts_once_among_the_ways_rows_matched(world):
    original = read_table(world[0] / "lab-a" / "axilab_export_patients.csv").head(70)
    table = traced(world, original, "three-names.csv", csv)
    (source,) = table["sources"]
    assert set(source["by_identifier"]) == {"nir", "name_birth", "email", "phone"}
    assert source["by_identifier"]["name_birth"] == source["by_identifier"]["nir"] == 70
