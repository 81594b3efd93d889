"""Signed notes (https://c2sp.org/signed-note), as Go's ``golang.org/x/mod/sumdb/note`` reads them.

A note is UTF-8 text of non-empty lines, each ending in a newline, then a blank line, then one
signature line per signer: ``— <key name> base64(key hash || signature)`` (an em dash, U+2014).
The key hash is the first four bytes of SHA-256(name || "\\n" || 0x01 || Ed25519 public key);
0x01 names the algorithm. A verifier key, the string a checker pins, is
``<name>+<key hash, 8 hex digits>+base64(0x01 || public key)``. Signature lines by other keys
(a witness's cosignature, say) are ignored, as the format requires.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from sceau import b64
from sceau.crypto.signing import SignatureError, verify_unlabelled
from sceau.errors import SceauError

ED25519 = b"\x01"
SIGNATURE_PREFIX = "\u2014 "
_MAX_SIGNATURES = 100  # as Go's reader: a note with more is refused, not checked forever
_SPACE_OR_PLUS = re.compile(r"[\s+]")  # \s: every Unicode space, as Go's unicode.IsSpace
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")  # every ASCII control character but newline


class NoteError(SceauError):
    """A signed note, or a verifier key, is malformed or does not verify."""


def valid_name(name: str) -> bool:
    """A key name: non-empty, without spaces or "+" (which separates a verifier key's parts)."""
    return bool(name) and _SPACE_OR_PLUS.search(name) is None


def key_hash(name: str, public_key: bytes) -> bytes:
    """The 4 bytes that tell which key a signature line claims, before it is checked."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key: what checks a note's signature under that name."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        if not valid_name(self.name):
            raise NoteError(
                "a key name cannot be empty or hold spaces or '+'",
                hint="choose an origin such as lab.example/sceau-audit",
            )
        if len(self.public_key) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")

    @property
    def key_hash(self) -> bytes:
        return key_hash(self.name, self.public_key)

    def __str__(self) -> str:
        """The verifier key string: ``name+hash+key``, as ``note.NewVerifier`` takes it."""
        encoded = base64.b64encode(ED25519 + self.public_key).decode()
        return f"{self.name}+{self.key_hash.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """A verifier from its key string; NoteError if any part is wrong."""
        name, _, rest = text.strip().partition("+")
        hash_hex, _, encoded = rest.partition("+")
        try:
            if len(hash_hex) != 8 or not valid_name(name):
                raise ValueError
            key = b64.decode(encoded)
            wanted = bytes.fromhex(hash_hex)
        except ValueError:
            raise NoteError(
                "this is not a verifier key (name+hash+key)",
                hint="copy it whole from what sceau audit key prints",
            ) from None
        if key[:1] != ED25519 or len(key) != 33:
            raise NoteError("the verifier key is not an Ed25519 key", hint="copy it whole")
        made = cls(name, key[1:])
        if made.key_hash != wanted:
            raise NoteError(
                "the verifier key's hash does not match its name and key",
                hint="it was mistyped or cut; copy it whole from sceau audit key",
            )
        return made

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            verify_unlabelled(self.public_key, signature, message)
        except SignatureError:
            return False
        return True


def sign(text: str, name: str, public_key: bytes, signer: Callable[[bytes], bytes]) -> str:
    """The signature line's base64 — key hash and Ed25519 signature — over ``text``."""
    _check_text(text)
    signature = signer(text.encode())
    return base64.b64encode(key_hash(name, public_key) + signature).decode()


def signature_line(name: str, signature: str) -> str:
    return f"{SIGNATURE_PREFIX}{name} {signature}\n"


def split(note: str) -> tuple[str, list[tuple[str, str]]]:
    """The text and the (name, base64) signature lines of a note, without checking them."""
    text, found, block = note.rpartition("\n\n")
    if not found or not block.endswith("\n"):
        raise NoteError("this is not a signed note: no blank line before its signatures")
    text += "\n"
    _check_text(text)
    lines = block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise NoteError(f"a signed note holds at most {_MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        name, space, encoded = line.removeprefix(SIGNATURE_PREFIX).partition(" ")
        if not line.startswith(SIGNATURE_PREFIX) or not space or not valid_name(name):
            raise NoteError("a signature line is not '— <name> <base64>'")
        signatures.append((name, encoded))
    return text, signatures


def open_note(note: str, verifier: Verifier) -> str:
    """The note's text, once a signature by ``verifier`` checks; NoteError otherwise.

    A line under the verifier's name and key hash that does not verify is an error even if
    another would (as in Go); lines by other keys are ignored.
    """
    text, signatures = split(note)
    wanted, verified = verifier.key_hash, False
    for name, encoded in signatures:
        try:
            raw = b64.decode(encoded)
        except ValueError:
            raise NoteError("a signature line's signature is not base64") from None
        if len(raw) < 5:
            raise NoteError("a signature line's signature is too short")
        if name != verifier.name or raw[:4] != wanted:
            continue
        if not verifier.verify(text.encode(), raw[4:]):
            raise NoteError(f"the signature by {verifier.name} does not verify")
        verified = True
    if not verified:
        raise NoteError(
            f"the note is not signed by {verifier.name} with the expected key",
            hint="check that you pinned this log's verifier key (sceau audit key)",
        )
    return text


def _check_text(text: str) -> None:
    """UTF-8 lines, each ending with a newline, none blank and no control character."""
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise NoteError("a note's text is non-empty lines, each ending with a newline")
    if _CONTROL.search(text):
        raise NoteError("a note's text cannot hold control characters")
