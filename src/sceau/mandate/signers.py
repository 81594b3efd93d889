"""The signer store: who may sign mandates, with which key.

A signer key is created by its owner, a controller (:func:`new_signer`): the private key goes
to a file, encrypted under the owner's passphrase; its public half enters the state store's
``signers`` table and, with the owner's account, the audit trail (``signer.created``). A key is
named after its owner's account and nothing else, so a key cannot carry another person's name;
it is told apart from the owner's other keys by its fingerprint
(:func:`sceau.crypto.signing.fingerprint`). Verification trusts the table only where the trail
proves it (:mod:`sceau.mandate.proof`). :func:`revoke_signer` ends a key for good.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Executable, Row, delete, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from sceau.crypto import signing
from sceau.crypto.kdf import PASSPHRASE_KDF, passphrase_key
from sceau.events import EventSink, SignerCreated, SignerRevoked
from sceau.mandate.model import MandateError
from sceau.mandate.signature import write_private_file
from sceau.store.errors import StoreError
from sceau.store.schema import signers, users

KEY_SUFFIX = ".signer.pem"
_KEY_HEADER = "sceau-signer-key"
_MAX_KDF_MEMORY_KIB = 4 * 1024 * 1024  # the header is read before it can be trusted
MIN_PASSPHRASE = 12
CONTROLLER = "controller"  # the role whose signature a mandate needs (sceau.accounts.Role)
ADMIN = "admin"  # the role that may revoke anyone's key (sceau.accounts.Role)
_SUFFIX = re.compile(r"^[a-z0-9]{1,16}\Z")
_REASON = re.compile(r"^[^\x00-\x1f\x7f]{1,200}\Z")


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


def new_signer(
    engine: Engine,
    events: EventSink,
    passphrase: str,
    folder: Path,
    *,
    user: str,
    suffix: str = "",
    now: datetime | None = None,
) -> Signer:
    """Create ``user``'s signing key: the private key encrypted in ``folder``, the public one
    registered under ``user``'s name, in the table and in the audit trail.

    ``user`` is the owner, an active controller who has just proved who they are (the caller
    re-authenticates them). ``suffix`` (a few lower-case letters or digits) only tells the
    owner's key files apart: ``<user>-<suffix>.signer.pem``.
    """
    _check_holder(engine, user)
    key, path = write_signer_key(passphrase, folder, user=user, suffix=suffix)
    try:
        created = register_public_key(engine, events, signing.public_bytes(key), user=user, now=now)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return replace(created, path=path)


def write_signer_key(
    passphrase: str, folder: Path, *, user: str, suffix: str = ""
) -> tuple[signing.PrivateKey, Path]:
    """A new signing key for ``user``, written to ``folder`` encrypted under ``passphrase``
    (``<user>[-<suffix>].signer.pem``, mode 0600): the key and where it went. Registering its
    public half is the caller's next step, here or at the service."""
    if suffix and not _SUFFIX.match(suffix):
        raise MandateError(
            "a key suffix is 1 to 16 lower-case letters or digits",
            hint="e.g. --suffix 2027",
            where="--suffix",
        )
    if len(passphrase) < MIN_PASSPHRASE:
        raise MandateError(
            f"the passphrase is too short (at least {MIN_PASSPHRASE} characters)",
            hint="it protects the key that signs for the lab: choose a long one",
        )
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
        folder.chmod(0o700)  # whatever the umask
    path = folder / f"{user}{'-' + suffix if suffix else ''}{KEY_SUFFIX}"
    key = signing.generate()
    pem = _sealed_key(key, passphrase)
    write_private_file(
        path, pem, hint="you hold a key of that name: pass another --suffix", overwrite=False
    )
    return key, path


def register_public_key(
    engine: Engine,
    events: EventSink,
    public: bytes,
    *,
    user: str,
    now: datetime | None = None,
) -> Signer:
    """Register ``user``'s public signing key (raw Ed25519, 32 bytes) whose private half they
    hold elsewhere (made by :func:`new_signer`, or on their own machine for the service):
    named after ``user``, in the table and in the audit trail (``signer.created``).

    ``user`` is an active controller who has just proved who they are (the caller
    re-authenticates them). A key registered already, by anyone, is refused.
    """
    _check_holder(engine, user)
    try:
        signing.public_pem(public)
    except ValueError:
        raise MandateError(
            "a signer's public key is 32 bytes of raw Ed25519",
            hint="send the raw public key, base64-encoded",
            where="public_key",
        ) from None
    created = Signer(user, signing.fingerprint(public), user, public, utc(now))
    if find_signer(engine, created.fingerprint) is not None:
        raise MandateError(
            "this key is registered already",
            hint="`sceau keys signers` lists the keys and their owners",
            where=created.fingerprint,
        )
    row = {k: getattr(created, k) for k in ("fingerprint", "name", "user", "public_key")}
    registered = SignerCreated(
        actor=user,
        signer=user,
        account=user,
        fingerprint=created.fingerprint,
        public_key=base64.b64encode(public).decode("ascii"),
    )
    write_rows(engine, insert(signers).values(**row, created_at=created.created_at))
    try:
        events.record(registered)
    except BaseException:
        write_rows(engine, delete(signers).where(signers.c.fingerprint == created.fingerprint))
        raise
    return created


def _check_holder(engine: Engine, user: str) -> None:
    role, disabled = account_role(engine, user)
    if role != CONTROLLER or disabled:
        raise MandateError(
            "only an active controller account may hold a signer key",
            hint="the lab's director or DPO creates their own key, logged in as themselves",
        )


def revoke_signer(
    engine: Engine,
    events: EventSink,
    fingerprint: str,
    *,
    by: str,
    reason: str,
    now: datetime | None = None,
) -> Signer:
    """Revoke a signer key for good, as ``by``: its owner or an admin. The trail's entry is
    written first: it is what verification reads, so a failure after it still refuses the key."""
    signer = find_signer(engine, fingerprint)
    if signer is None:
        raise MandateError(
            "no registered signer has this fingerprint",
            hint="`sceau keys signers` lists them, with their full fingerprints",
            where=fingerprint,
        )
    role, disabled = account_role(engine, by)
    if disabled or not (by == signer.user or role == ADMIN):
        raise MandateError(
            "only the key's owner or an admin may revoke it",
            hint="ask the key's owner or an admin; if the key may be stolen, an admin can act now",
            where=fingerprint,
        )
    if signer.revoked_at is not None:
        raise MandateError(
            f"this key was already revoked on {signer.revoked_at:%Y-%m-%d}", where=fingerprint
        )
    words = " ".join(reason.split())
    if not _REASON.match(words):
        raise MandateError(
            "give a reason for the revocation, on one line (200 characters at most)",
            hint="e.g. --reason 'laptop stolen'; it is kept in the audit trail: no patient data",
            where="--reason",
        )
    moment = utc(now)
    events.record(
        SignerRevoked(
            actor=by, account=signer.user or "", fingerprint=fingerprint, reason=words, at=moment
        )
    )
    stamp = update(signers).where(signers.c.fingerprint == fingerprint).values(revoked_at=moment)
    write_rows(engine, stamp)
    return Signer(
        signer.name, fingerprint, signer.user, signer.public_key, signer.created_at, moment
    )


def list_signers(engine: Engine) -> list[Signer]:
    """Every registered signer, oldest first."""
    query = select(signers).order_by(signers.c.created_at, signers.c.name)
    return [_signer(row) for row in read_rows(engine, query)]


def find_signer(engine: Engine, fingerprint: str) -> Signer | None:
    """The registered signer with this fingerprint, revoked or not."""
    rows = read_rows(engine, select(signers).where(signers.c.fingerprint == fingerprint))
    return _signer(rows[0]) if rows else None


def account_role(engine: Engine, user: str | None) -> tuple[str | None, bool]:
    """An account's role (None if it does not exist) and whether it is disabled."""
    if user is None:
        return None, False
    query = select(users.c.role, users.c.disabled_at).where(users.c.name == user)
    rows = read_rows(engine, query)
    return (str(rows[0].role), rows[0].disabled_at is not None) if rows else (None, False)


def _sealed_key(key: signing.PrivateKey, passphrase: str) -> bytes:
    """The private key as encrypted PKCS#8 PEM, under a password stretched by Argon2id.

    PKCS#8's own passphrase protection is PBKDF2 with 2,048 rounds: cheap to guess against if
    the file is copied. The PEM's password is therefore Argon2id(passphrase, salt), and the
    first line of the file says how to derive it: ``sceau-signer-key {"kdf": …, "salt": …}``.
    """
    salt = secrets.token_bytes(16)
    header = {"kdf": PASSPHRASE_KDF, "salt": salt.hex()}
    password = passphrase_key(passphrase, salt).hex().encode("ascii")
    pem = signing.private_pem(key, password)
    return f"{_KEY_HEADER} {json.dumps(header)}\n".encode("ascii") + pem


def load_signer_key(path: Path, passphrase: str) -> signing.PrivateKey:
    """The private key in a signer key file; MandateError for a wrong passphrase or file."""
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
                key = signing.load_private_pem(pem, password)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        key = None
    if key is None:
        raise MandateError(
            "cannot open the signer key: wrong passphrase, or not a sceau signer key",
            hint="check the passphrase (SCEAU_SIGNER_PASSPHRASE or the prompt) and the key file",
            where=str(path),
        )
    return key


def utc(moment: datetime | None) -> datetime:
    if moment is None:
        return datetime.now(UTC)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _signer(row: Row[Any]) -> Signer:
    return Signer(
        name=row.name,
        fingerprint=row.fingerprint,
        user=row.user,
        public_key=bytes(row.public_key),
        created_at=utc(row.created_at),
        revoked_at=utc(row.revoked_at) if row.revoked_at else None,
    )


def read_rows(engine: Engine, query: Executable) -> list[Row[Any]]:
    try:
        with engine.connect() as connection:
            return list(connection.execute(query))
    except SQLAlchemyError as error:
        raise StoreError(
            f"cannot read the state store ({type(error).__name__})",
            hint="check that the state store is reachable",
        ) from None


def write_rows(engine: Engine, *statements: Executable) -> None:
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(statement)
    except SQLAlchemyError as error:
        raise StoreError(
            f"cannot write to the state store ({type(error).__name__})",
            hint="nothing was changed; check the state store and try again",
        ) from None
