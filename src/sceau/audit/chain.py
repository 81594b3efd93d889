"""Merkle tree hashing as RFC 9162 (Certificate Transparency 2.0) defines it.

Leaves and nodes are hashed apart — ``SHA-256(0x00 || entry)`` and ``SHA-256(0x01 || left ||
right)`` — so an entry can never pass for a node. The tree of ``n`` leaves splits at the largest
power of two below ``n``. :class:`Frontier` keeps only the roots of the perfect subtrees the
log is made of (one per set bit of its size), which is all an append needs; the proofs below
are RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency), computed from every leaf hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly below ``size`` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


class Frontier:
    """The roots of a log's perfect subtrees, largest first: enough to append and to hash it."""

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: list[bytes] | None = None) -> None:
        self.size = size
        self.hashes = hashes if hashes is not None else []
        if len(self.hashes) != size.bit_count():
            raise ValueError("a frontier holds one hash per set bit of its size")

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> Frontier:
        return cls(size, [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    def push(self, leaf: bytes) -> None:
        """Append one leaf hash: merge it with every subtree of its size, as a binary carry."""
        self._push_subtree(leaf, 0)

    def extend(self, leaves: Sequence[bytes]) -> None:
        """Append many leaf hashes, as many pushes would, in fewer Python steps.

        The leaves are cut into the largest perfect subtrees the log's size allows (a subtree
        of 2**h leaves may start only at a multiple of 2**h); each is hashed level by level,
        then pushed whole. Every node hashed is a node of the tree: there is no extra work.
        """
        start, count = 0, len(leaves)
        while start < count:
            room = count - start
            height = room.bit_length() - 1
            if self.size:
                height = min(height, (self.size & -self.size).bit_length() - 1)
            level = leaves[start : start + (1 << height)]
            while len(level) > 1:
                pairs = iter(level)
                level = [
                    sha256(b"\x01" + left + right).digest()
                    for left, right in zip(pairs, pairs, strict=True)
                ]
            self._push_subtree(level[0], height)
            start += 1 << height

    def _push_subtree(self, node: bytes, height: int) -> None:
        """Append the root of a perfect subtree of 2**height leaves (the size is a multiple)."""
        hashes, carry = self.hashes, self.size >> height
        while carry & 1:
            node = sha256(b"\x01" + hashes.pop() + node).digest()
            carry >>= 1
        hashes.append(node)
        self.size += 1 << height

    def root(self) -> bytes:
        """The tree head: the subtrees folded right to left, as RFC 9162's MTH splits them."""
        if not self.hashes:
            return EMPTY_ROOT
        hashes = self.hashes
        node = hashes[-1]
        for left in reversed(hashes[:-1]):
            node = sha256(b"\x01" + left + node).digest()
        return node


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, computed level by level."""
    frontier = Frontier()
    frontier.extend(leaves)
    return frontier.root()


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 §2.1.3.1, over the leaf hashes of the whole tree."""
    if not 0 <= index < len(leaves):
        raise ValueError("the index is outside the tree")
    proof: list[bytes] = []
    start, end = 0, len(leaves)
    while end - start > 1:  # iterative form of the recursion; siblings collected top-down
        k = _split(end - start)
        if index - start < k:
            proof.append(root_of(leaves[start + k : end]))
            end = start + k
        else:
            proof.append(root_of(leaves[start : start + k]))
            start += k
    proof.reverse()
    return proof


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: whether ``leaf`` is at ``index`` of the tree (``size``, ``root``)."""
    if not 0 <= index < size:
        return False
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and node == root


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1: the old tree is a prefix of the new one."""
    if not 0 <= old_size <= len(leaves):
        raise ValueError("the old size is outside the tree")
    if old_size in (0, len(leaves)):
        return []
    return _subproof(old_size, leaves, complete=True)


def _subproof(m: int, leaves: Sequence[bytes], *, complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root_of(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete=complete), root_of(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], complete=False), root_of(leaves[:k])]


def verify_consistency(  # noqa: C901  (RFC 9162's algorithm, kept step for step)
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: whether the tree (``new_size``, ``new_root``) extends the old one."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(node, fr)
            sr = node_hash(node, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, node)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
