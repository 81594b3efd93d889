"""The index finds every recorded holder of a person, and only those, before and after its
segments are merged; the store and the files say nothing a value could be read from."""

from __future__ import annotations

import stat
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sceau.store import open_store
from sceau.trace.index import Reading, TraceIndex, _search

AT = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def _reading(ref: str, rows: int) -> Reading:
    return Reading(
        kind="run",
        ref=ref,
        source="sqlite:///lis.db#patients",
        rows=rows,
        recorded_at=AT,
        recorded_by="op.durand",
        finess="130000011",
    )


@pytest.fixture
def index(tmp_path):
    return TraceIndex(open_store(f"sqlite:///{tmp_path / 'store.db'}"), tmp_path / "trace")


def _prints(**columns: list[int | None]) -> pl.DataFrame:
    return pl.DataFrame({k: pl.Series(v, dtype=pl.UInt64) for k, v in columns.items()})


def test_a_lookup_names_each_rows_holders_by_kind(index):
    first = index.add(_reading("run-a", 3), _prints(nir=[1, 2, 3], email=[10, None, 30]))
    second = index.add(_reading("run-b", 2), _prints(nir=[3, 4], email=[40, 41]))
    assert first.fingerprints == 5
    leak = _prints(nir=[3, 9, None], email=[10, 99, 41])
    found = index.lookup(leak)
    assert found.rows() == [
        (0, first.record_id, "email"),
        (0, first.record_id, "nir"),
        (0, second.record_id, "nir"),
        (2, second.record_id, "email"),
    ]
    index.compact()
    assert index.lookup(leak).rows() == found.rows()
    assert len(list(index.folder.iterdir())) == 1
    third = index.add(_reading("run-c", 1), _prints(nir=[9]))
    assert (1, third.record_id, "nir") in index.lookup(leak).rows()
    assert sorted(index.records()) == [first.record_id, second.record_id, third.record_id]


def test_files_are_private_and_hold_fingerprints_only(index):
    index.add(_reading("run-a", 2), _prints(nir=[7, 7]))
    assert stat.S_IMODE(index.folder.stat().st_mode) == 0o700
    (segment,) = index.folder.iterdir()
    assert stat.S_IMODE(segment.stat().st_mode) == 0o600
    with np.load(segment) as held:
        assert held["fps"].tolist() == [7]  # a person read twice is kept once
        assert held["records"].dtype == np.uint32


def test_a_compaction_stopped_before_its_cleanup_loses_nothing(index):
    index.add(_reading("run-a", 1), _prints(nir=[5]))
    index.add(_reading("run-b", 1), _prints(nir=[6]))
    kept = {p.name: p.read_bytes() for p in index.folder.iterdir()}
    index.compact()
    for name, data in kept.items():  # as if it stopped once the merged file was written
        (index.folder / name).write_bytes(data)
    assert index.lookup(_prints(nir=[5, 6]))["row"].to_list() == [0, 1]
    assert len(index._segments()) == 1


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    return open_store(f"sqlite:///{tmp_path_factory.mktemp('store') / 's.db'}")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(st.lists(st.integers(0, 60), max_size=30), min_size=1, max_size=6),
    leak=st.lists(st.integers(0, 80), max_size=40),
    merge_after=st.integers(0, 6),
)
def test_the_index_agrees_with_a_plain_set_lookup(
    shared_store, tmp_path_factory, records, leak, merge_after
):
    index = TraceIndex(shared_store, tmp_path_factory.mktemp("ix") / "trace")
    numbers = []
    for i, fps in enumerate(records):
        numbers.append(index.add(_reading(f"r{i}", len(fps)), _prints(nir=fps)).record_id)
        if i == merge_after:
            index.compact()
    expected = sorted(
        (row, number, "nir")
        for row, fp in enumerate(leak)
        for number, fps in zip(numbers, records, strict=True)
        if fp in fps
    )
    assert index.lookup(_prints(nir=leak)).rows() == expected


def test_many_readings_are_merged_as_they_come(index, monkeypatch):
    monkeypatch.setattr("sceau.trace.index.MAX_SEGMENTS", 3)
    for n in range(5):
        index.add(_reading(f"run-{n}", 1), _prints(nir=[n]))
    assert len(index._segments()) <= 3
    assert index.lookup(_prints(nir=[0, 1, 2, 3, 4]))["row"].to_list() == [0, 1, 2, 3, 4]


@settings(max_examples=200)
@given(
    fps=st.lists(st.integers(0, 30), max_size=60),
    wanted=st.lists(st.integers(0, 31), max_size=30),
    block=st.sampled_from([1, 2, 4, 7]),
)
def test_the_search_by_blocks_agrees_with_numpy(fps, wanted, block):
    recorded = np.array(sorted(fps), dtype=np.uint64)
    keys = np.unique(np.array(wanted, dtype=np.uint64))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sceau.trace.index.BLOCK", block)
        for side in ("left", "right"):
            expected = np.searchsorted(recorded, keys, side=side)
            assert _search(recorded, keys, side).tolist() == expected.tolist()
