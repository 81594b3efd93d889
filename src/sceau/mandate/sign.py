"""Signing mandates: the controller's Ed25519 key, and the signature file beside the mandate.

A signer key is created once per person (:func:`new_signer`): the private key goes to a file,
encrypted under the person's passphrase, and only its public half enters the state store, which
is what verification trusts. :func:`sign_mandate` signs the exact bytes of a mandate file that
parses and follows the rules; the signature goes to ``<mandate>.sig`` (JSON) and the mandate,
byte for byte, into the ``mandates`` table.

The signed message is domain-separated, so that no other signature sceau makes can pass for a
mandate's: ``b"sceau mandate v1\\n"``, the SHA-256 digest of the file (32 bytes), then
``"\\n" + mandate_id + "\\n" + fingerprint + "\\n" + signed_at`` in UTF-8.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from sceau.events import EventSink, MandateSigned, SignerCreated
from sceau.files import write_atomic
from sceau.mandate.model import MandateError
from sceau.mandate.parse import parse_mandate
from sceau.mandate.policy import check_mandate
from sceau.protect.envelope import PASSPHRASE_KDF, passphrase_key
from sceau.store.errors import StoreError
from sceau.store.schema import mandates, signers, users

SIGNATURE_FORMAT = "sceau-mandate-signature"
SIGNATURE_VERSION = 1
DOMAIN = b"sceau mandate v1\n"
KEY_SUFFIX = ".signer.pem"
_KEY_HEADER = "sceau-signer-key"
_MAX_KDF_MEMORY_KIB = 4 * 1024 * 1024  # the header is read before it can be trusted
MIN_PASSPHRASE = 12
MAX_MANDATE_BYTES = 4 * 1024 * 1024
CONTROLLER = "controller"  # the role whose signature a mandate needs (sceau.accounts.Role)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")


@dataclass(frozen=True)
class Signer:
    """A registered signing key: who holds it and its public half. Never the private key."""

    name: str
    fingerprint: str  # SHA-256 of the raw public key, hex
    user: str | None  # the account that created it
    public_key: bytes  # raw Ed25519, 32 bytes
    created_at: datetime
    revoked_at: datetime | None = None
    path: Path | None = None  # where the encrypted private key was written, when just created


def fingerprint(public_key: bytes) -> str:
    """The SHA-256 of a raw public key, in hex: how a signer is named in signatures."""
    return hashlib.sha256(public_key).hexdigest()


def public_pem(public_key: bytes) -> str:
    """A raw Ed25519 public key as PEM (SubjectPublicKeyInfo), as OpenSSL and PyNaCl users read
    it: how a signer's key leaves the state store for someone who checks signatures alone."""
    key = Ed25519PublicKey.from_public_bytes(public_key)
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def chosen_signer(engine: Engine, chosen: str) -> Signer:
    """The registered signer named ``chosen``, or whose fingerprint it is; MandateError when
    none is, or when several signers share the name (then the fingerprint tells them apart)."""
    found = [s for s in list_signers(engine) if chosen in (s.name, s.fingerprint)]
    if not found:
        raise MandateError(
            "no registered signer has this name or fingerprint",
            hint="`sceau keys signers` lists them",
            where=chosen,
        )
    if len(found) > 1:
        raise MandateError(
            f"{len(found)} signers are named so",
            hint="give the fingerprint of the one you mean (`sceau keys signers`)",
            where=chosen,
        )
    return found[0]


def signature_path(mandate_path: Path) -> Path:
    """Where a mandate's signature lives: beside it, ``<name>.sig``."""
    return mandate_path.with_name(mandate_path.name + ".sig")


def signed_message(mandate_sha256: str, mandate_id: str, fingerprint: str, signed_at: str) -> bytes:
    """The bytes a mandate signature covers (see the module's docstring)."""
    tail = "\n".join(("", mandate_id, fingerprint, signed_at)).encode("utf-8")
    return DOMAIN + bytes.fromhex(mandate_sha256) + tail


def new_signer(
    engine: Engine,
    events: EventSink,
    name: str,
    passphrase: str,
    folder: Path,
    *,
    user: str,
    now: datetime | None = None,
) -> Signer:
    """Create a signing key: the private key encrypted in ``folder``, the public one registered."""
    if not _NAME.match(name):
        raise MandateError(
            "a signer name is letters, digits, dots, dashes or underscores (64 at most)",
            hint="choose another name",
        )
    if len(passphrase) < MIN_PASSPHRASE:
        raise MandateError(
            f"the passphrase is too short (at least {MIN_PASSPHRASE} characters)",
            hint="it protects the key that signs for the lab: choose a long one",
        )
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
        folder.chmod(0o700)  # whatever the umask
    path = folder / f"{name}{KEY_SUFFIX}"
    key = Ed25519PrivateKey.generate()
    pem = _sealed_key(key, passphrase)
    public = _raw(key)
    created = Signer(name, fingerprint(public), user, public, _utc(now), path=path)
    write_private_file(
        path, pem, hint="choose another name; a signer key is never overwritten", overwrite=False
    )
    row = {k: getattr(created, k) for k in ("fingerprint", "name", "user", "public_key")}
    try:
        _execute(engine, insert(signers).values(**row, created_at=created.created_at))
        try:
            events.record(SignerCreated(actor=user, signer=name, fingerprint=created.fingerprint))
        except BaseException:
            _execute(engine, delete(signers).where(signers.c.fingerprint == created.fingerprint))
            raise
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return created


def list_signers(engine: Engine) -> list[Signer]:
    """Every registered signer, oldest first."""
    query = select(signers).order_by(signers.c.created_at, signers.c.name)
    return [_signer(row) for row in _rows(engine, query)]


def find_signer(engine: Engine, fingerprint: str) -> Signer | None:
    """The registered signer with this fingerprint, revoked or not."""
    rows = _rows(engine, select(signers).where(signers.c.fingerprint == fingerprint))
    return _signer(rows[0]) if rows else None


def account_role(engine: Engine, user: str | None) -> tuple[str | None, bool]:
    """An account's role (None if it does not exist) and whether it is disabled."""
    if user is None:
        return None, False
    query = select(users.c.role, users.c.disabled_at).where(users.c.name == user)
    rows = _rows(engine, query)
    return (str(rows[0].role), rows[0].disabled_at is not None) if rows else (None, False)


def sign_mandate(
    path: Path,
    key_path: Path,
    passphrase: str,
    engine: Engine,
    events: EventSink,
    *,
    user: str,
    now: datetime | None = None,
) -> Path:
    """Sign the mandate at ``path`` as ``user``, a controller; returns the signature's path.

    The mandate must parse within its bounds, follow the rules and not have expired: an
    invalid mandate is never signed. The key must be ``user``'s own registered, unrevoked
    signer key. ``sceau mandate sign`` first runs the checks of
    :mod:`sceau.migrate.preflight` too (the destination's names, the drift scan), which this
    room cannot import.
    """
    moment = _utc(now)
    body = read_mandate(path)
    mandate = parse_mandate(body, where=str(path))
    check_mandate(mandate)
    if moment >= mandate.valid_until:
        raise MandateError(
            f"the mandate expired on {mandate.valid_until:%Y-%m-%d %H:%M %Z}; it cannot be signed",
            hint="set new dates in [validity]",
            where=f"{path}: validity.until",
        )
    role, disabled = account_role(engine, user)
    if role != CONTROLLER or disabled:
        raise MandateError(
            "only an active controller account may sign a mandate",
            hint="the lab's director or DPO signs, with their own account",
        )
    key = _load_key(key_path, passphrase)
    signer = find_signer(engine, fingerprint(_raw(key)))
    if signer is None:
        raise MandateError(
            "this key is not a registered signer",
            hint="create your key with `sceau keys new-signer`",
            where=str(key_path),
        )
    if signer.revoked_at is not None or signer.user != user:
        reason = "was revoked" if signer.revoked_at is not None else "belongs to another account"
        raise MandateError(f"this signer key {reason}", where=str(key_path))
    digest = hashlib.sha256(body).hexdigest()
    signed_at = moment.isoformat(timespec="seconds")
    message = signed_message(digest, mandate.mandate_id, signer.fingerprint, signed_at)
    document = {
        "format": SIGNATURE_FORMAT,
        "version": SIGNATURE_VERSION,
        "algorithm": "ed25519",
        "mandate_id": mandate.mandate_id,
        "mandate_sha256": digest,
        "signer": signer.name,
        "fingerprint": signer.fingerprint,
        "signed_at": signed_at,
        "signature": base64.b64encode(key.sign(message)).decode("ascii"),
    }
    text = json.dumps(document, indent=2) + "\n"
    record = {
        "sha256": digest,
        "mandate_id": mandate.mandate_id,
        "body": body.decode("utf-8"),
        "signature": text,
        "fingerprint": signer.fingerprint,
        "signed_at": moment,
    }
    sig_path = signature_path(path)
    forget = delete(mandates).where(mandates.c.sha256 == digest)
    _execute(engine, forget, insert(mandates).values(**record))
    try:
        write_private_file(sig_path, text.encode("utf-8"), overwrite=True)
        try:
            events.record(
                MandateSigned(
                    actor=user,
                    mandate_id=mandate.mandate_id,
                    mandate_sha256=digest,
                    fingerprint=signer.fingerprint,
                )
            )
        except BaseException:
            sig_path.unlink(missing_ok=True)
            raise
    except BaseException:
        _execute(engine, forget)
        raise
    return sig_path


def read_mandate(path: Path) -> bytes:
    """A mandate file's exact bytes; MandateError if it cannot be read or is implausibly big."""
    try:
        with path.open("rb") as handle:
            body = handle.read(MAX_MANDATE_BYTES + 1)
    except OSError as error:
        raise MandateError(
            f"cannot read the mandate ({error.strerror or type(error).__name__})",
            hint="check the path and its permissions",
            where=str(path),
        ) from None
    if len(body) > MAX_MANDATE_BYTES:
        raise MandateError("the file is too big to be a mandate", where=str(path))
    return body


def write_private_file(path: Path, data: bytes, *, overwrite: bool, hint: str = "") -> None:
    """Write ``data`` to ``path``, mode 0600, whole or not at all; without ``overwrite`` an
    existing file is refused (atomically too) and left as it was."""
    try:
        write_atomic(path, data, overwrite=overwrite)
    except FileExistsError:
        raise MandateError(
            "the file already exists; it was left as it was",
            hint=hint or "choose another file name",
            where=str(path),
        ) from None
    except OSError as error:
        raise MandateError(
            f"cannot write the file ({error.strerror or type(error).__name__})",
            hint="check the folder exists and that you may write to it",
            where=str(path),
        ) from None


def _sealed_key(key: Ed25519PrivateKey, passphrase: str) -> bytes:
    """The private key as encrypted PKCS#8 PEM, under a password stretched by Argon2id.

    PKCS#8's own passphrase protection is PBKDF2 with 2,048 rounds: cheap to guess against if
    the file is copied. The PEM's password is therefore Argon2id(passphrase, salt), and the
    first line of the file says how to derive it: ``sceau-signer-key {"kdf": …, "salt": …}``.
    """
    salt = secrets.token_bytes(16)
    header = {"kdf": PASSPHRASE_KDF, "salt": salt.hex()}
    password = passphrase_key(passphrase, salt).hex().encode("ascii")
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )
    return f"{_KEY_HEADER} {json.dumps(header)}\n".encode("ascii") + pem


def _load_key(path: Path, passphrase: str) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MandateError(
            f"cannot read the signer key ({error.strerror or type(error).__name__})",
            hint="create it with `sceau keys new-signer`, or name it with --key",
            where=str(path),
        ) from None
    key = None
    first, _, pem = data.partition(b"\n")
    try:
        label, _, meta = first.decode("ascii").partition(" ")
        header = json.loads(meta) if label == _KEY_HEADER else None
        if isinstance(header, dict):
            kdf = {name: int(header["kdf"][name]) for name in PASSPHRASE_KDF}
            if 0 < kdf["memory_kib"] <= _MAX_KDF_MEMORY_KIB and 0 < kdf["time"] <= 100:
                salt = bytes.fromhex(header["salt"])
                password = passphrase_key(passphrase, salt, kdf).hex().encode("ascii")
                key = serialization.load_pem_private_key(pem, password=password)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise MandateError(
            "cannot open the signer key: wrong passphrase, or not a sceau signer key",
            hint="check the passphrase (SCEAU_SIGNER_PASSPHRASE or the prompt) and the key file",
            where=str(path),
        )
    return key


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _signer(row: object) -> Signer:
    return Signer(
        name=row.name,  # type: ignore[attr-defined]
        fingerprint=row.fingerprint,  # type: ignore[attr-defined]
        user=row.user,  # type: ignore[attr-defined]
        public_key=bytes(row.public_key),  # type: ignore[attr-defined]
        created_at=_utc(row.created_at),  # type: ignore[attr-defined]
        revoked_at=_utc(row.revoked_at) if row.revoked_at else None,  # type: ignore[attr-defined]
    )


def _rows(engine: Engine, query: object) -> list:
    try:
        with engine.connect() as connection:
            return list(connection.execute(query))  # type: ignore[call-overload]
    except SQLAlchemyError as error:
        raise StoreError(
            f"cannot read the state store ({type(error).__name__})",
            hint="check that the state store is reachable",
        ) from None


def _execute(engine: Engine, *statements: object) -> None:
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(statement)  # type: ignore[call-overload]
    except SQLAlchemyError as error:
        raise StoreError(
            f"cannot write to the state store ({type(error).__name__})",
            hint="nothing was changed; check the state store and try again",
        ) from None
