"""The audit trail's batched paths give the same bytes as the one-at-a-time definitions:
the tree grown many leaves at once, seals from a prepared key, reads cut anywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from sceau.audit.chain import Frontier, leaf_hash, root_of
from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog, entry_seal, entry_sealer, micros
from sceau.audit.verify import verify_log
from sceau.events import BatchStaged, LoginSucceeded
from sceau.store import open_store
from sceau.store.schema import audit_entries

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KEY = AuditKey.generate()


@given(
    st.integers(0, 300),
    st.lists(st.integers(0, 70), max_size=8),
)
def test_extending_the_tree_equals_pushing_each_leaf(before: int, chunks: list[int]) -> None:
    leaves = [leaf_hash(n.to_bytes(4, "big")) for n in range(before + sum(chunks))]
    pushed, extended = Frontier(), Frontier()
    for leaf in leaves[:before]:
        pushed.push(leaf)
    extended.extend(leaves[:before])
    start = before
    for count in chunks:
        for leaf in leaves[start : start + count]:
            pushed.push(leaf)
        extended.extend(leaves[start : start + count])
        start += count
        assert (extended.size, extended.hashes) == (pushed.size, pushed.hashes)
        assert extended.root() == pushed.root()


@given(
    st.integers(0, 2**63 - 1),
    st.integers(-(2**62), 2**62),
    st.binary(min_size=32, max_size=32),
    st.text(max_size=30),
)
def test_the_prepared_sealer_seals_as_entry_seal(seq: int, at_us: int, leaf: bytes, name: str):
    assert entry_sealer(KEY)(seq, at_us, leaf, name) == entry_seal(KEY, seq, at_us, leaf, name)


@pytest.mark.parametrize(
    "moment",
    [
        START.replace(microsecond=123_456),
        START.astimezone(timezone(timedelta(hours=2))),
        START.replace(tzinfo=None),
        datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ],
)
def test_micros_counts_from_the_epoch_in_utc(moment: datetime) -> None:
    delta = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) - datetime(
        1970, 1, 1, tzinfo=UTC
    )
    assert micros(moment) == (delta.days * 86_400 + delta.seconds) * 10**6 + delta.microseconds


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    made = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield made
    made.dispose()


@pytest.fixture
def log(engine: Engine) -> AuditLog:
    """251 entries appended in uneven batches, a checkpoint every 7 (or at a batch's end)."""
    made = AuditLog(engine, KEY, checkpoint_every=7, clock=lambda: START)
    made.record(LoginSucceeded(actor="op.durand", user="op.durand", at=START))
    sizes, n = [1, 2, 13, 64, 5, 100, 3, 62], 0
    for size in sizes:
        made.record_many(
            [
                BatchStaged(actor="sceau", run_id="r1", batch=b, rows=10, refused_rows=0, at=START)
                for b in range(n, n + size)
            ]
        )
        n += size
    return made


@pytest.mark.parametrize("fetch", [1, 2, 7, 50, 1_000])
def test_verification_does_not_depend_on_where_reads_are_cut(
    log: AuditLog, engine: Engine, monkeypatch: pytest.MonkeyPatch, fetch: int
) -> None:
    monkeypatch.setattr("sceau.audit.verify._FETCH", fetch)
    leaves = [leaf_hash(entry) for entry in log.entries()]
    assert len(leaves) == 251
    for checkpoint in log.checkpoints():
        assert checkpoint.root == root_of(leaves[: checkpoint.size]).hex()
    result = verify_log(log)
    assert result.intact, result.problems
    assert result.size == 251

    with engine.begin() as connection:
        connection.execute(delete(audit_entries).where(audit_entries.c.seq == 130))
    assert str(verify_log(log).first) == "entry 130: missing: 1 deleted here"
