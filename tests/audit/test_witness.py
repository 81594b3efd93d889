"""A witness kept by the lab catches what ``sceau audit verify`` cannot: a trail rewritten,
re-sealed and re-signed by whoever holds the service's audit key."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nacl.signing import VerifyKey
from sqlalchemy import Engine, delete
from tests.postgres import schema_url

from sceau.audit.checkpoint import Checkpoint
from sceau.audit.cosignature import Cosigner
from sceau.audit.cosigned import record_cosignature
from sceau.audit.key import AuditKey
from sceau.audit.proof import make_consistency
from sceau.audit.sink import AuditLog
from sceau.audit.verify import verify_log
from sceau.audit.witness import (
    REFUSED,
    STATE_FILE,
    Refused,
    Request,
    Witness,
    WitnessError,
    parse_request,
    request_from_log,
)
from sceau.crypto import signing
from sceau.crypto.note import open_note
from sceau.events import BatchStaged
from sceau.store import open_store
from sceau.store.schema import audit_checkpoints, audit_entries, audit_head

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
NAME = "lab.example/witness"


def events(count: int, start: int = 0) -> list[BatchStaged]:
    return [
        BatchStaged(
            actor="op.durand",
            run_id="20261207-abc",
            batch=n,
            rows=65_536,
            refused_rows=0,
            at=START + timedelta(seconds=n),
        )
        for n in range(start, start + count)
    ]


def trail(engine: Engine, key: AuditKey, recorded: Sequence[BatchStaged]) -> AuditLog:
    """A trail of ``recorded``, a checkpoint every 10 entries, as the service keeps it."""
    log = AuditLog(engine, key, origin="lab.example/sceau-audit", checkpoint_every=10)
    for event in recorded:
        log.record(event)
    return log


def rewrite(log: AuditLog, kept: Sequence[BatchStaged]) -> AuditLog:
    """The insider's rewrite with the service's own key: the trail emptied and written again
    with only ``kept`` — renumbered, re-sealed, a new head, every checkpoint signed anew (on
    PostgreSQL, past the append-only triggers, as the database's superuser can)."""
    with log.engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # a superuser switches the triggers off
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in (audit_entries, audit_head, audit_checkpoints):
            connection.execute(delete(table))
    return trail(log.engine, log.key, kept)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    yield made
    made.dispose()


@pytest.fixture
def log(engine: Engine) -> AuditLog:
    return trail(engine, AuditKey.generate(), events(40))  # checkpoints at 1, 11, 21, 31


@pytest.fixture
def witness(tmp_path: Path, log: AuditLog) -> Witness:
    Witness.create(tmp_path / "witness", log=log.verifier, name=NAME)
    return Witness(tmp_path / "witness", clock=lambda: START + timedelta(days=1))


def refused(witness: Witness, request: Request) -> Refused:
    before = (witness.folder / STATE_FILE).read_bytes()
    with pytest.raises(Refused) as raised:
        witness.add_checkpoint(request)
    assert (witness.folder / STATE_FILE).read_bytes() == before  # the state did not move
    return raised.value


def test_honest_growth_is_accepted_and_cosigned_as_c2sp_says(
    witness: Witness, log: AuditLog
) -> None:
    first = witness.add_checkpoint(request_from_log(log, 0))
    assert (first.previous_size, first.size) == (0, 31)
    log.record_many(events(20, start=40))  # checkpoint at 41 (and 51 on demand)
    log.checkpoint()
    grown = witness.add_checkpoint(request_from_log(log, witness.state().size))
    assert (grown.previous_size, grown.size) == (31, 60)
    assert witness.state().size == 60

    # the cosignature, checked from the spec's words with PyNaCl alone
    public = witness.state().cosigner.public_key
    body, _, lines = grown.note.partition("\n\n")
    line = lines.splitlines()[-1]
    name, encoded = line.removeprefix("\u2014 ").split(" ")
    raw = base64.b64decode(encoded)
    assert name == NAME
    assert raw[:4] == hashlib.sha256(NAME.encode() + b"\n\x04" + public).digest()[:4]
    timestamp = int.from_bytes(raw[4:12], "big")
    assert timestamp == int((START + timedelta(days=1)).timestamp())
    message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + body.encode() + b"\n"
    VerifyKey(public).verify(message, raw[12:])  # raises if it does not verify
    assert open_note(grown.note, log.verifier)  # the log's own signature still reads


def test_the_proof_sceau_audit_prove_consistency_writes_is_taken(
    witness: Witness, log: AuditLog
) -> None:
    witness.add_checkpoint(parse_request(log.checkpoints()[1].note))  # first: 11 entries
    accepted = witness.add_checkpoint(parse_request(make_consistency(log, 2, 4)))
    assert (accepted.previous_size, accepted.size) == (11, 31)
    assert witness.state().seen.number == 4


def test_the_same_checkpoint_again_is_cosigned_again(witness: Witness, log: AuditLog) -> None:
    witness.add_checkpoint(request_from_log(log, 0))
    again = witness.add_checkpoint(parse_request(log.checkpoints()[-1].note))
    assert (again.previous_size, again.size) == (31, 31)


@pytest.mark.parametrize(("more", "caught"), [(0, "fork"), (25, "bad-proof")])
def test_a_rewrite_with_the_audit_key_passes_verify_but_not_the_witness(
    witness: Witness, log: AuditLog, more: int, caught: str
) -> None:
    witness.add_checkpoint(request_from_log(log, 0))  # the lab has seen 31 entries
    kept = [e for e in events(40) if not 12 <= e.batch < 17] + events(more, start=40)
    rewritten = rewrite(log, kept)  # five entries of the run gone, the rest renumbered
    assert verify_log(rewritten).intact  # the store agrees with itself…

    refusal = refused(witness, request_from_log(rewritten, 31))  # …the lab's memory does not
    assert refusal.caught == caught
    assert witness.state().size == 31
    (kept_file,) = (witness.folder / REFUSED).iterdir()
    assert f"-{caught}-" in kept_file.name
    assert kept_file.read_text().startswith("old 31\n")  # the request, as evidence
    assert stat.S_IMODE(kept_file.stat().st_mode) == 0o600


def test_the_rewrite_is_caught_through_a_consistency_proof_file_too(
    witness: Witness, log: AuditLog
) -> None:
    witness.add_checkpoint(request_from_log(log, 0))
    rewritten = rewrite(log, [e for e in events(60) if not 12 <= e.batch < 17])
    refusal = refused(witness, parse_request(make_consistency(rewritten, 4, 6)))
    assert refusal.caught == "fork"  # its checkpoint 4 has 31 entries, but not the same ones
    assert "two different trees of 31 entries" in refusal.message


def test_a_rollback_is_refused(witness: Witness, log: AuditLog) -> None:
    witness.add_checkpoint(request_from_log(log, 0))
    older = log.checkpoints()[2]  # 21 entries
    refusal = refused(witness, Request(older.note, 21))
    assert refusal.caught == "rollback"
    assert refusal.message.startswith("rollback: the checkpoint covers 21 entries, fewer than")


def test_a_fork_at_the_same_size_is_refused(witness: Witness, log: AuditLog) -> None:
    witness.add_checkpoint(request_from_log(log, 0))
    other = Checkpoint.sign(
        log.key, origin=log.origin, number=4, size=31, root=b"\x07" * 32, at=START
    )
    assert refused(witness, Request(other.note, 31)).caught == "fork"


def test_another_key_or_another_log_is_refused(witness: Witness, log: AuditLog) -> None:
    made = Checkpoint.sign(
        AuditKey.generate(), origin=log.origin, number=1, size=1, root=b"\0" * 32, at=START
    )
    assert refused(witness, Request(made.note, 0)).caught == "wrong-key"
    elsewhere = Checkpoint.sign(
        log.key, origin="other.example/audit", number=1, size=1, root=b"\0" * 32, at=START
    )
    refusal = refused(witness, Request(elsewhere.note, 0))
    assert refusal.caught == "wrong-log"
    assert "this witness follows lab.example/sceau-audit" in refusal.message


def test_a_proof_from_another_size_is_out_of_step(witness: Witness, log: AuditLog) -> None:
    witness.add_checkpoint(parse_request(log.checkpoints()[1].note))  # 11 entries
    refusal = refused(witness, parse_request(make_consistency(log, 3, 4)))  # from 21
    assert refusal.caught == "out-of-step"
    assert "ask for a proof from the checkpoint of 11 entries" in refusal.hint
    alone = refused(witness, parse_request(log.checkpoints()[3].note))  # no proof at all
    assert alone.caught == "out-of-step"
    assert alone.message.startswith("the checkpoint comes without a proof, but this witness")
    assert len(list((witness.folder / REFUSED).iterdir())) == 2  # each kept, same clock or not


def test_a_damaged_proof_is_a_bad_proof(witness: Witness, log: AuditLog) -> None:
    witness.add_checkpoint(parse_request(log.checkpoints()[1].note))
    honest = request_from_log(log, 11)
    damaged = Request(honest.note, 11, (b"\x01" * 32, *honest.proof[1:]))
    assert refused(witness, damaged).caught == "bad-proof"
    assert witness.add_checkpoint(honest).size == 31  # the honest one still goes through


def test_the_folder_and_files_are_private(witness: Witness) -> None:
    assert stat.S_IMODE(witness.folder.stat().st_mode) == 0o700
    for name in ("witness.key", STATE_FILE):
        assert stat.S_IMODE((witness.folder / name).stat().st_mode) == 0o600


def test_an_edited_state_is_refused_clearly(witness: Witness, log: AuditLog) -> None:
    witness.add_checkpoint(request_from_log(log, 0))
    path = witness.folder / STATE_FILE
    data = json.loads(path.read_text())
    data["size"] = 11  # make the witness forget the entries it saw
    path.write_text(json.dumps(data))
    with pytest.raises(WitnessError, match="the witness state was changed outside sceau") as e:
        witness.add_checkpoint(request_from_log(log, 11))
    assert e.value.where == str(path)
    path.write_text("{ not json")
    with pytest.raises(WitnessError, match=r"cannot read the witness \(not a witness state\)"):
        witness.state()


def test_a_second_witness_in_the_same_folder_is_refused(witness: Witness, log: AuditLog) -> None:
    with pytest.raises(WitnessError, match="a witness already lives in this folder"):
        Witness.create(witness.folder, log=log.verifier)


def test_no_witness_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WitnessError, match="there is no witness here") as raised:
        Witness(tmp_path / "nowhere").state()
    assert "sceau audit witness init" in raised.value.hint


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello\n",
        "old 3\nnot-base64!\n\nlab\n1\nAAAA\n\n\u2014 lab QQ==\n",
        "old 03\n\nlab\n1\n",
        "sceau.audit/consistency-proof@v1\n\nonly one note\n",
        "lab.example/sceau-audit\n31\nshort\n\n\u2014 lab.example/sceau-audit QQ==\n",
    ],
)
def test_garbled_input_is_a_clear_error(text: str) -> None:
    with pytest.raises(WitnessError, match="this is not a checkpoint with its consistency proof"):
        parse_request(text)


def test_a_request_reads_back_as_itself(log: AuditLog) -> None:
    request = request_from_log(log, 11)
    assert parse_request(request.text()) == request
    assert request.text().startswith("old 11\n")


def test_the_service_keeps_the_cosignature_and_verify_says_how_far_it_is_witnessed(
    witness: Witness, log: AuditLog
) -> None:
    accepted = witness.add_checkpoint(request_from_log(log, 0))
    kept = record_cosignature(log, accepted.note, witness.state().cosigner)
    assert (kept.witness, kept.number, kept.size) == (NAME, 4, 31)
    result = verify_log(log)
    assert result.intact, result.problems
    assert [(w.witness, w.number, w.size) for w in result.witnessed] == [(NAME, 4, 31)]


def test_a_checkpoint_replaced_after_it_was_cosigned_is_named_by_verify(
    witness: Witness, log: AuditLog
) -> None:
    accepted = witness.add_checkpoint(request_from_log(log, 0))
    record_cosignature(log, accepted.note, witness.state().cosigner)
    rewritten = rewrite(log, [e for e in events(40) if not 12 <= e.batch < 17])
    result = verify_log(rewritten)  # the rewrite left the cosignature table alone
    assert str(result.first) == (
        f"checkpoint 4: it differs from the one the witness {NAME} cosigned: the store's was "
        "replaced"
    )
    assert result.witnessed == []


def test_a_cosignature_not_by_the_pinned_witness_or_of_another_trail_is_refused(
    witness: Witness, log: AuditLog, engine: Engine
) -> None:
    accepted = witness.add_checkpoint(request_from_log(log, 0))
    stranger = Cosigner(NAME, signing.public_bytes(signing.generate()))
    with pytest.raises(WitnessError, match="carries no cosignature by the witness"):
        record_cosignature(log, accepted.note, stranger)
    other = trail(engine, AuditKey.generate(), [])  # the same store, read with another key
    with pytest.raises(WitnessError, match="not one of this trail's"):
        record_cosignature(rewrite(other, events(3)), accepted.note, witness.state().cosigner)


def test_on_postgresql_the_rewrite_is_caught_too(tmp_path: Path) -> None:
    with schema_url("witness") as url:
        engine = open_store(url)
        try:
            log = trail(engine, AuditKey.generate(), events(40))
            Witness.create(tmp_path / "w", log=log.verifier, name=NAME)
            lab = Witness(tmp_path / "w")
            lab.add_checkpoint(request_from_log(log, 0))
            rewritten = rewrite(log, [e for e in events(70) if not 12 <= e.batch < 17])
            assert verify_log(rewritten).intact
            assert refused(lab, request_from_log(rewritten, 31)).caught == "bad-proof"
        finally:
            engine.dispose()
