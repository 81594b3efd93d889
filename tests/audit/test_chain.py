"""RFC 9162 hashing and proofs, against a direct transcription of the RFC's recursive MTH."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from sceau.audit.chain import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)


def mth(entries: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, word for word."""
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()


logs = st.lists(st.binary(max_size=12), max_size=80)


def test_leaves_and_nodes_are_hashed_apart() -> None:
    assert leaf_hash(b"ab") != node_hash(b"a", b"b")
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert root_of([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@given(logs)
def test_the_frontier_root_is_the_rfc_tree_head_at_every_size(entries: list[bytes]) -> None:
    frontier = Frontier()
    for size, entry in enumerate(entries, start=1):
        frontier.push(leaf_hash(entry))
        assert frontier.root() == mth(entries[:size])
        again = Frontier.from_bytes(frontier.size, frontier.to_bytes())
        assert again.root() == frontier.root()


@given(logs.filter(bool), st.data())
def test_inclusion_proofs_verify_and_bind_the_leaf_and_its_place(
    entries: list[bytes], data: st.DataObject
) -> None:
    leaves = [leaf_hash(e) for e in entries]
    index = data.draw(st.integers(0, len(entries) - 1))
    proof = inclusion_proof(leaves, index)
    root = mth(entries)
    assert verify_inclusion(leaves[index], index, len(entries), proof, root)
    assert not verify_inclusion(leaf_hash(entries[index] + b"!"), index, len(entries), proof, root)
    if len(entries) > 1:
        other = (index + 1) % len(entries)
        assert not verify_inclusion(leaves[index], other, len(entries), proof, root) or (
            leaves[other] == leaves[index] and proof == inclusion_proof(leaves, other)
        )


@given(logs, st.data())
def test_consistency_proofs_verify_and_catch_a_rewritten_prefix(
    entries: list[bytes], data: st.DataObject
) -> None:
    leaves = [leaf_hash(e) for e in entries]
    old = data.draw(st.integers(0, len(entries)))
    proof = consistency_proof(leaves, old)
    assert verify_consistency(old, len(entries), mth(entries[:old]), mth(entries), proof)
    if 0 < old < len(entries):
        rewritten = [*entries[: old - 1], entries[old - 1] + b"!", *entries[old:]]
        assert not verify_consistency(old, len(entries), mth(entries[:old]), mth(rewritten), proof)


def test_the_seven_leaf_examples_of_rfc_6962() -> None:
    """RFC 6962 §2.1.3 (kept by RFC 9162): the tree g h i j / k l over leaves a…f and d6."""
    leaves = [leaf_hash(bytes([n])) for n in range(7)]
    a, b, c, d, e, f, j = leaves
    g, h, i = node_hash(a, b), node_hash(c, d), node_hash(e, f)
    k, l_ = node_hash(g, h), node_hash(i, j)
    assert inclusion_proof(leaves, 0) == [b, h, l_]
    assert inclusion_proof(leaves, 3) == [c, g, l_]
    assert inclusion_proof(leaves, 4) == [f, j, k]
    assert inclusion_proof(leaves, 6) == [i, k]
    assert consistency_proof(leaves, 3) == [c, d, g, l_]
    assert consistency_proof(leaves, 4) == [l_]
    assert consistency_proof(leaves, 6) == [i, j, k]
    assert root_of(leaves) == node_hash(k, l_)


@given(logs.filter(bool), st.binary(min_size=32, max_size=32))
def test_consistency_proofs_hold_for_every_old_size_and_no_wrong_root(
    entries: list[bytes], wrong: bytes
) -> None:
    """For every 1 <= m <= n: the proof verifies, and fails for any other old or new root, or
    with any one of its hashes replaced."""
    leaves = [leaf_hash(e) for e in entries]
    size, new_root = len(entries), mth(entries)
    for old in range(1, size + 1):
        old_root = mth(entries[:old])
        proof = consistency_proof(leaves, old)
        assert verify_consistency(old, size, old_root, new_root, proof)
        if wrong != old_root:
            assert not verify_consistency(old, size, wrong, new_root, proof)
        if wrong != new_root:
            assert not verify_consistency(old, size, old_root, wrong, proof)
        for place, node in enumerate(proof):
            if node != wrong:
                changed = [*proof[:place], wrong, *proof[place + 1 :]]
                assert not verify_consistency(old, size, old_root, new_root, changed)
