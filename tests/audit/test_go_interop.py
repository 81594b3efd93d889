"""Checkpoints and proofs as a checker sceau did not write reads them: Go's x/mod.

``go/main.go`` opens each checkpoint with ``note.Open`` and ``note.NewVerifier`` (from the
verifier key sceau prints), parses its C2SP body, and checks inclusion proofs with
``tlog.CheckRecord`` and consistency proofs with ``tlog.CheckTree``. Built with the Debian
packages ``golang-go`` and ``golang-golang-x-mod-dev`` (``./dev/test`` installs them).
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sceau.audit.chain import leaf_hash, root_of
from sceau.audit.key import AuditKey
from sceau.audit.proof import make_consistency, make_proof
from sceau.audit.sink import AuditLog
from sceau.crypto.note import Verifier
from sceau.events import LoginSucceeded
from sceau.store import open_store

SOURCE = Path(__file__).parent / "go" / "main.go"
GOPATH = "/usr/share/gocode"  # where golang-golang-x-mod-dev puts golang.org/x/mod
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = 23


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.skip(
            "Go is not installed (./dev/test installs golang-go and golang-golang-x-mod-dev)"
        )
    folder = tmp_path_factory.mktemp("go")
    binary = folder / "tlogcheck"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": GOPATH,
        "GOCACHE": str(folder / "cache"),
        "GOFLAGS": "",
    }
    built = subprocess.run(
        [go, "build", "-o", str(binary), str(SOURCE)], env=env, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    return binary


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> AuditLog:
    """23 entries, a checkpoint every 4: sizes 1, 5, 9, 13, 17, 21 (the last signed on demand)."""
    engine: Engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('store') / 'state.db'}")
    made = AuditLog(
        engine,
        AuditKey.generate(),
        origin="lab-a.example/sceau-audit",
        checkpoint_every=4,
        clock=lambda: START,
    )
    for n in range(SIZE):
        made.record(LoginSucceeded(actor="dr.martin", user="dr.martin", at=START + timedelta(n)))
    made.checkpoint()
    yield made
    engine.dispose()


def check(
    checker: Path, kind: str, key: str, text: str, tmp_path: Path
) -> subprocess.CompletedProcess:
    path = tmp_path / f"{kind}.txt"
    path.write_text(text, encoding="utf-8")
    return subprocess.run(
        [str(checker), kind, key, str(path)], capture_output=True, text=True, check=False
    )


def test_go_opens_every_checkpoint_with_the_printed_verifier_key(
    checker: Path, log: AuditLog, tmp_path: Path
) -> None:
    key = str(log.verifier)
    leaves = [leaf_hash(entry) for entry in log.entries()]
    checkpoints = log.checkpoints()
    assert [c.size for c in checkpoints] == [1, 5, 9, 13, 17, 21, 23]
    for checkpoint in checkpoints:
        done = check(checker, "checkpoint", key, checkpoint.note, tmp_path)
        assert done.returncode == 0, done.stderr
        root = root_of(leaves[: checkpoint.size]).hex()
        extensions = f"number {checkpoint.number}|time {START.isoformat()}"
        assert done.stdout == f"{log.origin} {checkpoint.size} {root} {extensions}\n"


@pytest.mark.parametrize("line", [0, 1, 2, 3, 4, 6])
def test_go_refuses_a_checkpoint_with_one_byte_changed(
    checker: Path, log: AuditLog, tmp_path: Path, line: int
) -> None:
    """One character of each line (origin, size, root, extensions, signature) changed."""
    note = log.checkpoints()[3].note
    lines = note.split("\n")
    target = lines[line]
    place = len(target) // 2
    lines[line] = target[:place] + ("A" if target[place] != "A" else "B") + target[place + 1 :]
    done = check(checker, "checkpoint", str(log.verifier), "\n".join(lines), tmp_path)
    assert done.returncode == 1
    assert done.stderr


def test_go_refuses_a_checkpoint_under_another_key(
    checker: Path, log: AuditLog, tmp_path: Path
) -> None:
    other = Verifier(log.origin, AuditKey.generate().public_bytes)
    done = check(checker, "checkpoint", str(other), log.checkpoints()[0].note, tmp_path)
    assert done.returncode == 1
    assert "note:" in done.stderr


def test_go_checks_every_inclusion_proof_and_refuses_an_edited_entry(
    checker: Path, log: AuditLog, tmp_path: Path
) -> None:
    key = str(log.verifier)
    for seq in range(SIZE):
        proof = make_proof(log, seq)
        done = check(checker, "inclusion", key, proof, tmp_path)
        assert done.returncode == 0, (seq, done.stderr)
    entry = next(log.entries(after=6, limit=1))
    edited = base64.b64encode(entry.replace(b"dr.martin", b"dr.marton")).decode()
    proof = make_proof(log, 7).replace(base64.b64encode(entry).decode(), edited)
    done = check(checker, "inclusion", key, proof, tmp_path)
    assert done.returncode == 1
    assert "inclusion: invalid transparency proof" in done.stderr


def test_go_checks_every_consistency_proof_and_refuses_a_changed_hash(
    checker: Path, log: AuditLog, tmp_path: Path
) -> None:
    """Every pair of checkpoints, old before new (the same one included): tlog's TreeProof is
    RFC 9162's PROOF(m, D[n]) hash for hash, so no conversion is needed."""
    key = str(log.verifier)
    count = len(log.checkpoints())
    for old in range(1, count + 1):
        for new in range(old, count + 1):
            done = check(checker, "consistency", key, make_consistency(log, old, new), tmp_path)
            assert done.returncode == 0, (old, new, done.stderr)
    proof = make_consistency(log, 2, 6)
    first = proof.split("\n")[1]
    changed = proof.replace(first, base64.b64encode(bytes(32)).decode())
    done = check(checker, "consistency", key, changed, tmp_path)
    assert done.returncode == 1
    assert "consistency: invalid transparency proof" in done.stderr
