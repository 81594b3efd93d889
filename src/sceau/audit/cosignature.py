"""Cosignatures (https://c2sp.org/tlog-cosignature, ``cosignature/v1``, Ed25519).

A cosignature is a witness's statement that, at a given time, the checkpoint it signs is the
largest consistent tree it has seen of the log. It is one more signed-note line under the
checkpoint, so the note still opens with the log's key alone::

    — <witness name> base64(key id ‖ 8-byte big-endian POSIX time ‖ 64-byte Ed25519 signature)

The key id is the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key); the signed bytes
are ``cosignature/v1\\ntime <POSIX time>\\n`` followed by the checkpoint's body, final newline
included. A witness's verifier key is ``<name>+<key id, 8 hex digits>+base64(0x04 ‖ key)``.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

from sceau import b64
from sceau.crypto.note import SIGNATURE_PREFIX, valid_name
from sceau.crypto.signing import (
    PrivateKey,
    SignatureError,
    fingerprint,
    public_bytes,
    sign_unlabelled,
    verify_unlabelled,
)
from sceau.errors import SceauError

HEADER = "cosignature/v1"
ALGORITHM = b"\x04"  # C2SP's signature type for an Ed25519 cosignature/v1
MAX_TIME = 2**63 - 1
_TIME = struct.Struct(">Q")
_SIZE = 4 + 8 + 64


class CosignatureError(SceauError):
    """A cosignature line, or a witness's verifier key, is malformed or does not verify."""


def _valid_name(name: str) -> bool:
    """A signed-note key name of printable characters (a lone surrogate cannot be signed)."""
    return valid_name(name) and name.isprintable()


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ALGORITHM + public_key).digest()[:4]


def signed_message(body: str, timestamp: int) -> bytes:
    """The exact bytes a cosignature signs: the header, the time, the checkpoint's body."""
    if not 0 <= timestamp <= MAX_TIME:
        raise CosignatureError("a cosignature's time is a POSIX time below 2**63")
    return f"{HEADER}\ntime {timestamp}\n".encode() + body.encode()


@dataclass(frozen=True)
class Cosignature:
    """One cosignature line, parsed (not yet checked)."""

    name: str
    key_id: bytes
    timestamp: int
    signature: bytes

    @property
    def line(self) -> str:
        raw = self.key_id + _TIME.pack(self.timestamp) + self.signature
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(raw).decode()}\n"


def parse_line(line: str) -> Cosignature:
    """A cosignature from its note line (with or without the final newline); CosignatureError."""
    text = line.removesuffix("\n")
    name, space, encoded = text.removeprefix(SIGNATURE_PREFIX).partition(" ")
    if not text.startswith(SIGNATURE_PREFIX) or not space or not _valid_name(name):
        raise CosignatureError("a cosignature line is '— <name> <base64>'")
    try:
        raw = b64.decode(encoded)
    except ValueError:
        raise CosignatureError("a cosignature line's signature is not base64") from None
    if len(raw) != _SIZE:
        raise CosignatureError("a cosignature is a key id, a time and an Ed25519 signature")
    (timestamp,) = _TIME.unpack(raw[4:12])
    if timestamp > MAX_TIME:
        raise CosignatureError("a cosignature's time is a POSIX time below 2**63")
    return Cosignature(name, raw[:4], timestamp, raw[12:])


@dataclass(frozen=True)
class Cosigner:
    """A witness's public identity: its name and Ed25519 key, as log clients pin them."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        if not _valid_name(self.name):
            raise CosignatureError(
                "a witness name cannot be empty or hold spaces or '+'",
                hint="name it like a URL without its scheme, e.g. lab.example/witness",
            )
        if len(self.public_key) != 32:
            raise CosignatureError("an Ed25519 public key is 32 bytes")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the raw public key: what is compared out of band, read aloud if need be."""
        return fingerprint(self.public_key)

    def __str__(self) -> str:
        """The witness's verifier key: ``name+key id+base64(0x04 ‖ key)``."""
        encoded = base64.b64encode(ALGORITHM + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> Cosigner:
        """A witness from its verifier key; CosignatureError if any part is wrong."""
        name, _, rest = text.strip().partition("+")
        hash_hex, _, encoded = rest.partition("+")
        try:
            if len(hash_hex) != 8 or not _valid_name(name):
                raise ValueError
            key = b64.decode(encoded)
            wanted = bytes.fromhex(hash_hex)
        except ValueError:
            raise CosignatureError(
                "this is not a witness verifier key (name+id+key)",
                hint="copy it whole from what sceau audit witness status prints",
            ) from None
        if key[:1] != ALGORITHM or len(key) != 33:
            raise CosignatureError("the key is not an Ed25519 cosignature/v1 key")
        made = cls(name, key[1:])
        if made.key_id != wanted:
            raise CosignatureError(
                "the witness key's id does not match its name and key",
                hint="it was mistyped or cut; copy it whole",
            )
        return made

    def verify(self, body: str, cosignature: Cosignature) -> None:
        """Raise CosignatureError unless ``cosignature`` is this witness's, over ``body``."""
        if cosignature.name != self.name or cosignature.key_id != self.key_id:
            raise CosignatureError(f"the cosignature is not by the witness {self.name}")
        message = signed_message(body, cosignature.timestamp)
        try:
            verify_unlabelled(self.public_key, cosignature.signature, message)
        except SignatureError:
            raise CosignatureError(
                f"the cosignature by {self.name} does not verify",
                hint="the checkpoint or the cosignature was changed",
            ) from None


def cosign(private: PrivateKey, name: str, body: str, timestamp: int) -> Cosignature:
    """The witness ``name``'s cosignature over a checkpoint's ``body`` at ``timestamp``."""
    signer = Cosigner(name, public_bytes(private))
    signature = sign_unlabelled(private, signed_message(body, timestamp))
    return Cosignature(name, signer.key_id, timestamp, signature)
