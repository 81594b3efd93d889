"""Signed notes, against the examples of Go's reference implementation and as round trips."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from sceau.crypto.note import NoteError, Verifier, open_note, sign, signature_line, split

GO = json.loads(
    (Path(__file__).parents[1] / "vectors" / "notes" / "go_note_examples.json").read_text()
)
KEY = Ed25519PrivateKey.generate()
PUBLIC = Verifier("lab.example/sceau-audit", KEY.public_key().public_bytes_raw())

names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="+"),
    min_size=1,
    max_size=20,
).filter(lambda name: not any(c.isspace() for c in name))
lines = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(
    lambda line: "\n" not in line
)
texts = st.lists(lines, min_size=1, max_size=5).map(lambda found: "\n".join(found) + "\n")


def signed(text: str, verifier: Verifier = PUBLIC, key: Ed25519PrivateKey = KEY) -> str:
    signature = sign(text, verifier.name, verifier.public_key, key.sign)
    return f"{text}\n{signature_line(verifier.name, signature)}"


def test_the_go_examples_open_and_sceau_signs_them_byte_for_byte() -> None:
    verifier = Verifier.parse(GO["verifier_key"])
    assert str(verifier) == GO["verifier_key"]
    assert open_note(GO["signed"], verifier) == GO["text"]
    assert open_note(GO["cosigned"], verifier) == GO["text"]  # another's line is ignored
    seed = base64.b64decode(GO["signer_key"].split("+", 4)[4])[1:]  # 0x01 || seed
    key = Ed25519PrivateKey.from_private_bytes(seed)
    assert key.public_key().public_bytes_raw() == verifier.public_key
    assert signed(GO["text"], verifier, key) == GO["signed"]  # Ed25519 is deterministic


def test_a_changed_text_or_another_key_does_not_open() -> None:
    with pytest.raises(NoteError, match="does not verify"):
        open_note(GO["signed"].replace("answer", "Answer"), Verifier.parse(GO["verifier_key"]))
    with pytest.raises(NoteError, match=r"not signed by lab\.example/sceau-audit"):
        open_note(GO["signed"], PUBLIC)


@given(names, texts)
def test_what_is_signed_opens_and_its_key_string_round_trips(name: str, text: str) -> None:
    verifier = Verifier(name, PUBLIC.public_key)
    assert Verifier.parse(str(verifier)) == verifier
    note = signed(text, verifier)
    assert split(note) == (text, [(name, note.rsplit(" ", 1)[1].strip())])
    assert open_note(note, verifier) == text


@given(texts, st.data())
def test_any_one_character_changed_is_refused(text: str, data: st.DataObject) -> None:
    note = signed(text)
    place = data.draw(st.integers(0, len(note) - 1))
    other = data.draw(st.characters(blacklist_categories=("Cs",)).filter(note[place].__ne__))
    with pytest.raises(NoteError):
        open_note(note[:place] + other + note[place + 1 :], PUBLIC)


@given(st.text(max_size=80) | st.builds(str, st.just(PUBLIC)).map(lambda key: key[:-2]))
def test_anything_else_is_a_plain_error_not_a_crash(text: str) -> None:
    """Random text, and a real key cut short: a NoteError, never another exception."""
    try:
        parsed = Verifier.parse(text)
    except NoteError:
        return
    assert str(parsed) == text.strip()


@pytest.mark.parametrize("name", ["", "two words", "a+b", "tab\there"])
def test_a_key_name_with_a_space_or_a_plus_is_refused(name: str) -> None:
    with pytest.raises(NoteError, match="key name"):
        Verifier(name, PUBLIC.public_key)


@pytest.mark.parametrize(
    "text", ["no newline", "a\n\nblank line inside\n", "\nstarts blank\n", "bell \x07\n"]
)
def test_a_text_that_is_not_note_text_is_not_signed(text: str) -> None:
    with pytest.raises(NoteError):
        sign(text, PUBLIC.name, PUBLIC.public_key, KEY.sign)
