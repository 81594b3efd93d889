"""A witness: the lab's own memory of the audit trail, so that a rewrite by the key's holder shows.

Whoever holds the audit key can delete entries, renumber, re-seal and re-sign every checkpoint:
``sceau audit verify`` then says Intact, because the store agrees with itself. The lab
(controller or auditor) keeps a witness on its own machine. It remembers the last checkpoint it
accepted (size and root) and accepts a new one only if the log's key signed it and a
consistency proof (RFC 9162 §2.1.4) shows the new tree extends the remembered one. A smaller
size is a rollback, the same size with another root a fork, a proof that fails a rewrite: each
is refused, kept as evidence in the witness's folder, and the remembered checkpoint stays.
An accepted checkpoint is cosigned with the witness's own key (:mod:`sceau.audit.cosignature`).

The witness's folder (0700) holds ``witness.key`` (its Ed25519 key, PKCS#8 PEM, 0600) and
``state.json`` (0600, written whole or not at all, signed by the witness key so that an edit is
refused). Requests follow C2SP tlog-witness ``add-checkpoint`` (``old <size>``, the proof's
hashes, a blank line, the checkpoint note); the consistency proof ``sceau audit
prove-consistency`` writes, and a checkpoint note alone, are read too.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sceau import b64
from sceau.audit.chain import EMPTY_ROOT, consistency_proof, leaf_hash, verify_consistency
from sceau.audit.checkpoint import decimal
from sceau.audit.cosignature import Cosignature, Cosigner, cosign
from sceau.audit.proof import CONSISTENCY
from sceau.audit.sink import AuditLog
from sceau.crypto import signing
from sceau.crypto.canonical import canonical_json
from sceau.crypto.note import NoteError, Verifier, open_note, split
from sceau.errors import SceauError
from sceau.files import write_atomic

STATE_LABEL = "sceau witness state v1"  # what the witness key signs over its state
KEY_FILE, STATE_FILE, LOCK_FILE, REFUSED = "witness.key", "state.json", ".lock", "refused"
MAX_PROOF = 63  # hashes in a consistency proof, as tlog-witness allows
_FIELDS = {"format", "witness", "witness_key", "log", "size", "root", "note", "accepted_at"}


class WitnessError(SceauError):
    """The witness's folder or a request cannot be read: nothing was decided."""


CAUGHT = ("rollback", "fork", "bad-proof", "wrong-key", "wrong-log", "out-of-step")


class Refused(WitnessError):
    """The witness refused a checkpoint; ``caught`` names what: rollback, fork, bad-proof,
    wrong-key, wrong-log, out-of-step (a proof from another size than the one it holds)."""

    def __init__(self, caught: str, message: str, *, hint: str = "", size: int = 0) -> None:
        super().__init__(message, hint=hint)
        self.caught = caught
        self.size = size  # the size the refused checkpoint claims


@dataclass(frozen=True)
class Seen:
    """The last checkpoint the witness accepted: its tree, and its note with the cosignature."""

    size: int
    root: bytes
    note: str
    accepted_at: datetime

    @property
    def number(self) -> int | None:
        """The sceau checkpoint number its note carries (``number N``), if any."""
        for line in self.note.split("\n\n", 1)[0].split("\n")[3:]:
            label, _, value = line.partition(" ")
            if label == "number" and value.isdigit():
                return int(value)
        return None


@dataclass(frozen=True)
class State:
    cosigner: Cosigner  # the witness's own name and public key
    log: Verifier  # the log it follows: origin and audit key
    seen: Seen | None  # None until it accepts its first checkpoint

    @property
    def size(self) -> int:
        return 0 if self.seen is None else self.seen.size

    @property
    def root(self) -> bytes:
        return EMPTY_ROOT if self.seen is None else self.seen.root


@dataclass(frozen=True)
class Request:
    """A checkpoint to witness, with a proof that it extends the tree of ``old_size`` entries."""

    note: str
    old_size: int | None  # None: a checkpoint alone, without a proof
    proof: tuple[bytes, ...] = ()
    old_note: str = ""  # the earlier checkpoint a sceau consistency proof carries

    def text(self) -> str:
        """The request as C2SP tlog-witness ``add-checkpoint`` writes it."""
        hashes = "".join(base64.b64encode(node).decode() + "\n" for node in self.proof)
        return f"old {self.old_size or 0}\n{hashes}\n{self.note}"


@dataclass(frozen=True)
class Accepted:
    previous_size: int
    size: int
    root: bytes
    cosignature: Cosignature
    note: str  # the checkpoint note with the cosignature appended


@dataclass(frozen=True)
class _Tree:
    origin: str
    size: int
    root: bytes


def parse_request(text: str) -> Request:
    """A request in any of the three forms; WitnessError if it is none of them."""
    try:
        if text.startswith(CONSISTENCY + "\n"):
            head, _, notes = text.partition("\n\n")
            parts = notes.split("\n\n")
            if len(parts) != 4:
                raise ValueError
            proof = _hashes(head.split("\n")[1:])
            old, new = f"{parts[0]}\n\n{parts[1]}\n", f"{parts[2]}\n\n{parts[3]}"
            return Request(new, _tree(old).size, proof, old)
        if text.startswith("old "):
            head, found, note = text.partition("\n\n")
            lines = head.split("\n")
            if not found:
                raise ValueError
            return Request(note, decimal(lines[0].removeprefix("old "), 0), _hashes(lines[1:]))
        _tree(text)
        return Request(text, None)
    except (ValueError, NoteError):
        raise WitnessError(
            "this is not a checkpoint with its consistency proof, or it was cut or changed",
            hint="give the file sceau audit prove-consistency wrote, from the checkpoint this "
            "witness holds (sceau audit witness status) to the newest",
        ) from None


def request_from_log(log: AuditLog, old_size: int) -> Request:
    """What the service hands a witness that holds ``old_size`` entries: its newest checkpoint
    and the consistency proof from that size (empty when it cannot be made: the witness
    then names why)."""
    stored = log.checkpoints()
    signed = stored[-1] if stored else log.checkpoint()
    if signed is None:
        raise WitnessError(
            "the audit trail has no checkpoint yet", hint="sceau audit checkpoint signs one"
        )
    proof: list[bytes] = []
    if 0 < old_size < signed.size:
        leaves = [leaf_hash(entry) for entry in log.entries(limit=signed.size)]
        with contextlib.suppress(ValueError):  # fewer entries than signed: the proof fails
            proof = consistency_proof(leaves, old_size)
    return Request(signed.note, old_size, tuple(proof))


class Witness:
    """The witness kept in ``folder``: create it, read its state, give it checkpoints."""

    def __init__(self, folder: Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.folder = folder
        self.clock = clock or (lambda: datetime.now(UTC))

    @classmethod
    def create(cls, folder: Path, *, log: Verifier, name: str = "") -> Witness:
        """A new witness that follows ``log``, with a new key; WitnessError if one is there."""
        private = signing.generate()
        cosigner = Cosigner(name or _default_name(private), signing.public_bytes(private))
        made = cls(folder)
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if (folder / STATE_FILE).exists() or (folder / KEY_FILE).exists():
                raise FileExistsError
            write_atomic(folder / KEY_FILE, signing.private_pem(private), overwrite=False)
            made._save(private, State(cosigner, log, None))
        except FileExistsError:
            raise WitnessError(
                "a witness already lives in this folder",
                hint="sceau audit witness status shows it; choose another folder with --state",
                where=str(folder),
            ) from None
        except OSError as error:
            raise _unwritable(error, folder) from None
        return made

    def state(self) -> State:
        """The witness's state, once its signature by the witness key checks."""
        return self._load(self._private())[1]

    def add_checkpoint(self, request: Request) -> Accepted:
        """Accept and cosign the request's checkpoint, or raise Refused naming what was caught
        (the state is then unchanged and the request kept in the folder's ``refused``)."""
        self._private()  # no witness here: say so before taking the folder's lock
        with self._locked():
            private, state = self._load(self._private())
            try:
                accepted = self._judge(private, state, request)
            except Refused as refusal:
                self._keep(request, refusal.caught)
                raise
            seen = Seen(accepted.size, accepted.root, accepted.note, self.clock())
            self._save(private, State(state.cosigner, state.log, seen))
            return accepted

    def _judge(self, private: signing.PrivateKey, state: State, request: Request) -> Accepted:
        tree = _checked(request.note, state.log)
        seen = state.size
        if tree.size < seen:
            raise Refused(
                "rollback",
                f"rollback: the checkpoint covers {tree.size} entries, fewer than the {seen} "
                "this witness already accepted",
                hint="the trail was cut or its store restored from an older copy; keep this "
                "checkpoint and raise it with your security officer",
                size=tree.size,
            )
        if tree.size == seen and tree.root != state.root:
            raise _fork(tree.size)
        old = request.old_size
        if request.old_note:
            earlier = _checked(request.old_note, state.log)
            if earlier.size == seen and earlier.root != state.root:
                raise _fork(seen)
        if old is None and (seen == 0 or tree.size == seen):
            old = seen  # a checkpoint alone: the first one, or the one already held
        if old != seen:
            start = (
                "the checkpoint comes without a proof"
                if old is None
                else (f"the proof starts at {old} entries")
            )
            raise Refused(
                "out-of-step",
                f"{start}, but this witness holds {seen}: it cannot tell whether the trail "
                "kept them",
                hint=f"ask for a proof from the checkpoint of {seen} entries "
                "(sceau audit witness status names it)",
                size=tree.size,
            )
        if len(request.proof) > MAX_PROOF or not verify_consistency(
            seen, tree.size, state.root, tree.root, request.proof
        ):
            raise Refused(
                "bad-proof",
                f"bad proof: the trail of {tree.size} entries does not extend the {seen} this "
                "witness accepted: entries were changed, removed or reordered (or the proof "
                "was damaged)",
                hint="ask for the proof again; if it fails too, the trail was rewritten with the "
                "audit key: keep both checkpoints and raise it with your security officer",
                size=tree.size,
            )
        stamp = int(self.clock().timestamp())
        body = split(request.note)[0]
        made = cosign(private, state.cosigner.name, body, stamp)
        return Accepted(seen, tree.size, tree.root, made, request.note + made.line)

    # --- the folder -------------------------------------------------------------------------

    def _private(self) -> signing.PrivateKey:
        path = self.folder / KEY_FILE
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise WitnessError(
                "there is no witness here",
                hint="create one with sceau audit witness init, or give its folder with --state",
                where=str(self.folder),
            ) from None
        except OSError as error:
            raise _unreadable(path, error.strerror or type(error).__name__) from None
        private = signing.load_private_pem(data)
        if private is None:
            raise _unreadable(path, "not an Ed25519 private key")
        return private

    def _load(self, private: signing.PrivateKey) -> tuple[signing.PrivateKey, State]:
        path = self.folder / STATE_FILE
        try:
            data = json.loads(path.read_bytes())
            signature = b64.decode(data.pop("signature"))
            if set(data) != _FIELDS or data["format"] != STATE_LABEL:
                raise ValueError
        except FileNotFoundError:
            raise _unreadable(path, "missing") from None
        except OSError as error:
            raise _unreadable(path, error.strerror or type(error).__name__) from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise _unreadable(path, "not a witness state") from None
        try:
            signing.verify(signing.public_bytes(private), signature, STATE_LABEL, _signed(data))
            state = _state(data)
        except (SceauError, ValueError, KeyError, TypeError, binascii.Error):
            raise WitnessError(
                "the witness state was changed outside sceau",
                hint="restore the witness folder from its backup; until then this witness "
                "accepts nothing",
                where=str(path),
            ) from None
        if state.cosigner.public_key != signing.public_bytes(private):
            raise _unreadable(path, "it belongs to another witness key")
        return private, state

    def _save(self, private: signing.PrivateKey, state: State) -> None:
        seen = state.seen
        data: dict[str, Any] = {
            "format": STATE_LABEL,
            "witness": state.cosigner.name,
            "witness_key": base64.b64encode(state.cosigner.public_key).decode(),
            "log": str(state.log),
            "size": state.size,
            "root": base64.b64encode(state.root).decode(),
            "note": "" if seen is None else seen.note,
            "accepted_at": "" if seen is None else seen.accepted_at.isoformat(),
        }
        signature = signing.sign(private, STATE_LABEL, _signed(data))
        data["signature"] = base64.b64encode(signature).decode()
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        try:
            write_atomic(self.folder / STATE_FILE, text.encode())
        except OSError as error:
            raise _unwritable(error, self.folder) from None

    def _keep(self, request: Request, caught: str) -> None:
        """The refused request, as evidence; a folder that cannot take it loses nothing else."""
        folder, text = self.folder / REFUSED, request.text().encode()
        stamp = self.clock().strftime("%Y%m%dT%H%M%S%fZ")
        digest = hashlib.sha256(text).hexdigest()[:12]  # two refusals never share a name
        with contextlib.suppress(OSError):
            folder.mkdir(mode=0o700, exist_ok=True)
            write_atomic(folder / f"{stamp}-{caught}-{digest}.txt", text)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One check at a time: two interleaved ones could move the state backwards."""
        try:
            descriptor = os.open(self.folder / LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as error:
            raise _unwritable(error, self.folder) from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)


def _checked(note: str, log: Verifier) -> _Tree:
    """The tree a checkpoint note signs, once it is the followed log's and its key signed it."""
    tree = _tree(note)
    if tree.origin != log.name:
        raise Refused(
            "wrong-log",
            f"wrong log: the checkpoint is for {tree.origin}, this witness follows {log.name}",
            hint="give this witness the checkpoints of the log it was set up for",
            size=tree.size,
        )
    try:
        open_note(note, log)
    except NoteError:
        raise Refused(
            "wrong-key",
            "wrong key: the checkpoint is not signed by the audit key this witness trusts",
            hint="if the service's audit key was replaced, that is itself to be explained; "
            "compare the key with sceau audit key on the installation",
            size=tree.size,
        ) from None
    return tree


def _tree(note: str) -> _Tree:
    """Origin, size and root of a C2SP checkpoint note (signatures not checked)."""
    text, _ = split(note)
    lines = text.split("\n")
    if len(lines) < 4:
        raise ValueError("a checkpoint has an origin, a size and a root")
    root = b64.decode(lines[2])
    if len(root) != 32:
        raise ValueError("a root is 32 bytes")
    return _Tree(lines[0], decimal(lines[1], 0), root)


def _hashes(lines: list[str]) -> tuple[bytes, ...]:
    path = tuple(b64.decode(line) for line in lines)
    if any(len(node) != 32 for node in path) or len(path) > MAX_PROOF:
        raise ValueError("a proof is at most 63 hashes of 32 bytes")
    return path


def _fork(size: int) -> Refused:
    return Refused(
        "fork",
        f"fork: the log signed two different trees of {size} entries; this witness accepted "
        "the other one",
        hint="the trail was rewritten with the audit key: keep both checkpoints and raise it "
        "with your security officer",
        size=size,
    )


def _signed(data: dict[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in data.items() if k != "signature"})


def _state(data: dict[str, Any]) -> State:
    cosigner = Cosigner(str(data["witness"]), b64.decode(data["witness_key"]))
    log = Verifier.parse(str(data["log"]))
    size, root, note = data["size"], b64.decode(data["root"]), str(data["note"])
    if not isinstance(size, int) or size < 0:
        raise ValueError("a size is a whole number")
    if not note:
        if size or data["accepted_at"]:
            raise ValueError("a state with entries holds their checkpoint")
        return State(cosigner, log, None)
    tree = _tree(note)
    open_note(note, log)
    if (tree.origin, tree.size, tree.root) != (log.name, size, root):
        raise ValueError("the state's size and root are not its checkpoint's")
    accepted = datetime.fromisoformat(str(data["accepted_at"]))
    return State(cosigner, log, Seen(size, root, note, accepted))


def _default_name(private: signing.PrivateKey) -> str:
    return f"sceau.witness/{signing.fingerprint(signing.public_bytes(private))[:16]}"


def _unreadable(path: Path, reason: str) -> WitnessError:
    return WitnessError(
        f"cannot read the witness ({reason})",
        hint="restore the witness folder from its backup; until then this witness accepts nothing",
        where=str(path),
    )


def _unwritable(error: OSError, folder: Path) -> WitnessError:
    return WitnessError(
        f"cannot write the witness's folder ({error.strerror or type(error).__name__})",
        hint="choose a folder you may write to with --state",
        where=str(folder),
    )
