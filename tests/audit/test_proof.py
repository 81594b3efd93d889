"""Checkpoint bodies and proof documents as parsers: round trips, and any change refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sceau.audit.checkpoint import Checkpoint, Fields, format_body, parse_body
from sceau.audit.key import AuditKey
from sceau.audit.proof import (
    ProofError,
    check_consistency,
    check_proof,
    make_consistency,
    make_proof,
)
from sceau.audit.sink import AuditLog
from sceau.events import LoginSucceeded
from sceau.store import open_store

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> AuditLog:
    """11 entries, a checkpoint every 3: sizes 1, 4, 7, 10."""
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('store') / 'state.db'}")
    made = AuditLog(engine, AuditKey.generate(), checkpoint_every=3, clock=lambda: START)
    for n in range(11):
        made.record(LoginSucceeded(actor="dr.martin", user="dr.martin", at=START + timedelta(n)))
    yield made
    engine.dispose()


fields = st.builds(
    Fields,
    origin=st.from_regex(r"[a-z0-9.\-/]{1,30}", fullmatch=True),
    size=st.integers(0, 2**63),
    root=st.binary(min_size=32, max_size=32),
    number=st.integers(1, 2**63),
    at=st.datetimes(timezones=st.just(UTC)),
)


@given(fields)
def test_a_body_reads_back_as_it_was_written(written: Fields) -> None:
    assert parse_body(format_body(written)) == written


@given(st.text(max_size=200))
def test_any_other_text_is_a_value_error_not_a_crash(text: str) -> None:
    try:
        parsed = parse_body(text)
    except ValueError:
        return
    assert format_body(parsed) == text


def test_both_proofs_check_for_every_entry_and_every_pair(log: AuditLog) -> None:
    verifier = log.verifier
    for seq in range(10):
        event, signed = check_proof(make_proof(log, seq), verifier=verifier)
        assert event.seq == seq
        assert signed.size > seq
    for old in range(1, 5):
        for new in range(old, 5):
            first, last = check_consistency(make_consistency(log, old, new), verifier=verifier)
            assert (first.number, last.number) == (old, new)


@given(st.data())
def test_any_one_character_changed_in_a_proof_is_refused(log: AuditLog, data) -> None:
    kind = data.draw(st.sampled_from(["inclusion", "consistency"]))
    if kind == "inclusion":
        text, check = make_proof(log, data.draw(st.integers(0, 9))), check_proof
    else:
        old = data.draw(st.integers(1, 3))
        text, check = (
            make_consistency(log, old, data.draw(st.integers(old + 1, 4))),
            check_consistency,
        )
    place = data.draw(st.integers(0, len(text) - 1))
    other = data.draw(st.characters(blacklist_categories=("Cs",)).filter(text[place].__ne__))
    with pytest.raises(ProofError):
        check(text[:place] + other + text[place + 1 :], verifier=log.verifier)


@given(st.text(max_size=300))
def test_any_other_text_is_a_proof_error_not_a_crash(log: AuditLog, text: str) -> None:
    for check in (check_proof, check_consistency):
        with pytest.raises(ProofError):
            check(text, verifier=log.verifier)


def test_a_checkpoint_note_reads_back_whole(log: AuditLog) -> None:
    for checkpoint in log.checkpoints():
        assert Checkpoint.from_note(checkpoint.note) == checkpoint
