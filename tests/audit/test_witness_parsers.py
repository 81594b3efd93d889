"""What the witness reads back — cosignature lines, witness keys, its own state, requests —
round-trips, and anything else is refused with a clear error, never a crash."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sceau.audit.checkpoint import Checkpoint
from sceau.audit.cosignature import (
    MAX_TIME,
    Cosignature,
    CosignatureError,
    Cosigner,
    cosign,
    parse_line,
)
from sceau.audit.key import AuditKey
from sceau.audit.witness import STATE_FILE, Request, Witness, WitnessError, parse_request
from sceau.crypto import signing
from sceau.crypto.note import Verifier

NAMES = st.text(
    st.characters(
        blacklist_categories=("Zs", "Cc", "Zl", "Zp", "Cs", "Co", "Cn", "Cf"),
        blacklist_characters="+",
    ),
    min_size=1,
    max_size=30,
)
KEY = AuditKey.generate()


def outcome(read, text, error_type):
    """What ``read(text)`` returns, or the error it raised if it is of ``error_type``."""
    try:
        return read(text)
    except error_type as error:
        return error


START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@given(
    name=NAMES,
    key_id=st.binary(min_size=4, max_size=4),
    timestamp=st.integers(0, MAX_TIME),
    signature=st.binary(min_size=64, max_size=64),
)
def test_a_cosignature_line_reads_back_as_itself(
    name: str, key_id: bytes, timestamp: int, signature: bytes
) -> None:
    made = Cosignature(name, key_id, timestamp, signature)
    assert parse_line(made.line) == made


@given(st.text(max_size=200))
def test_any_text_is_a_cosignature_or_a_clear_error(text: str) -> None:
    got = outcome(parse_line, text, CosignatureError)
    assert isinstance(got, Cosignature) or got.message


@given(name=NAMES, public=st.binary(min_size=32, max_size=32))
def test_a_witness_key_reads_back_as_itself(name: str, public: bytes) -> None:
    made = Cosigner(name, public)
    assert Cosigner.parse(str(made)) == made


@given(st.text(max_size=120))
def test_any_text_is_a_witness_key_or_a_clear_error(text: str) -> None:
    got = outcome(Cosigner.parse, text, CosignatureError)
    assert isinstance(got, Cosigner) or got.message


@given(timestamp=st.integers(0, MAX_TIME), body=st.sampled_from(["lab\n1\n" + "A" * 43 + "=\n"]))
def test_a_cosignature_verifies_and_any_other_time_does_not(timestamp: int, body: str) -> None:
    private = signing.from_seed(b"\x05" * 32)
    made = cosign(private, "lab.example/w", body, timestamp)
    witness = Cosigner("lab.example/w", signing.public_bytes(private))
    witness.verify(body, parse_line(made.line))
    moved = Cosignature(made.name, made.key_id, (timestamp + 1) % MAX_TIME, made.signature)
    with pytest.raises(CosignatureError, match="does not verify"):
        witness.verify(body, moved)


@given(st.text(max_size=400))
def test_any_text_is_a_request_or_a_clear_error(text: str) -> None:
    got = outcome(parse_request, text, WitnessError)
    assert isinstance(got, Request) or got.message.startswith("this is not a checkpoint with")


@given(old=st.integers(0, 2**40), proof=st.lists(st.binary(min_size=32, max_size=32), max_size=63))
def test_a_request_reads_back_as_itself(old: int, proof: list[bytes]) -> None:
    note = Checkpoint.sign(KEY, origin="lab", number=1, size=old, root=b"\1" * 32, at=START).note
    request = Request(note, old, tuple(proof))
    assert parse_request(request.text()) == request


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A witness that has accepted one checkpoint: its state holds a note and a cosignature."""
    folder = tmp_path_factory.mktemp("sealed") / "witness"
    made = Witness.create(folder, log=Verifier("lab", KEY.public_bytes), name="lab.example/w")
    note = Checkpoint.sign(KEY, origin="lab", number=1, size=1, root=b"\2" * 32, at=START).note
    made.add_checkpoint(Request(note, 0))
    return folder


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_change_to_the_state_file_is_refused_or_changes_nothing(
    sealed: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("copy") / "witness"
    shutil.copytree(sealed, folder)
    original = Witness(folder).state()
    path = folder / STATE_FILE
    text = bytearray(path.read_bytes())
    place = data.draw(st.integers(0, len(text) - 1))
    text[place] = data.draw(st.integers(0, 255).filter(lambda b: b != text[place]))
    path.write_bytes(bytes(text))
    got = outcome(lambda f: Witness(f).state(), folder, WitnessError)
    if isinstance(got, WitnessError):
        assert got.where == str(path)
    else:
        assert got == original  # a change JSON ignores (spacing) leaves the same state
