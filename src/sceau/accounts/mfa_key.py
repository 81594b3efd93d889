"""The MFA key: it seals TOTP secrets and keys the hashes of recovery codes, enrolment codes,
and the service's session and API tokens.

One random 256-bit key per installation, in its own file beside the audit key (``mfa_key``,
default ``$SCEAU_HOME/mfa.key``, mode 0600), made with the first account, the first enrolment
or the service's first start. Why a file and not the key provider: a login must not need the
keyring's passphrase or a reachable OpenBao/HSM — an outage of the key provider would lock every
person out, and the CLI would have to ask for the keyring passphrase at each login. What the
file buys is the same as for the audit key: a copy of the state store (a dump, a backup, a
replica, the database's own administrators) holds only sealed secrets and keyed hashes, useless
without this file. Keep it, like the audit key, off the database server. Losing it disables
every TOTP factor and recovery code (not WebAuthn) and ends every session and API token: people
log in and enrol again.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sceau.crypto.envelope import SealError, seal, unseal
from sceau.crypto.kdf import derive_key
from sceau.crypto.keyfile import KeyFile
from sceau.errors import SceauError

_BYTES = 32


class MfaKeyError(SceauError):
    """The MFA key cannot be read or created, or does not open what it sealed."""


@dataclass(frozen=True)
class MfaKey:
    """Sub-keys of the installation's MFA key, one per use (HKDF labels)."""

    sealing: bytes = field(repr=False)
    recovery: bytes = field(repr=False)
    tokens: bytes = field(repr=False)  # the service's session and API token hashes
    enrolment: bytes = field(repr=False)  # the hashes of first-enrolment codes

    @classmethod
    def from_bytes(cls, key: bytes) -> MfaKey:
        return cls(
            derive_key(key, "mfa totp seal v1"),
            derive_key(key, "mfa recovery code v1"),
            derive_key(key, "service token hash v1"),
            derive_key(key, "mfa enrolment code v1"),
        )

    @classmethod
    def generate(cls) -> MfaKey:
        """A fresh key that lives in memory only (tests)."""
        return cls.from_bytes(secrets.token_bytes(_BYTES))

    def seal_secret(self, user: str, secret: bytes) -> bytes:
        """A TOTP secret sealed for ``user``: a sealed secret copied to another account fails."""
        return seal(self.sealing, secret, context=_context(user))

    def open_secret(self, user: str, sealed: bytes) -> bytes:
        try:
            return unseal(self.sealing, sealed, context=_context(user))
        except SealError:
            raise MfaKeyError(
                "a TOTP secret does not open with this installation's MFA key",
                hint="the MFA key file was replaced, or the factor was copied from another "
                "account: remove the factor and enrol again",
                where=user,
            ) from None

    def code_digest(self, user: str, code: str) -> str:
        """The keyed hash a recovery code is stored as (normalised code, bound to the account)."""
        return _digest(self.recovery, user, code)

    def enrolment_digest(self, user: str, code: str) -> str:
        """The keyed hash an enrolment code is stored as (normalised, bound to the account)."""
        return _digest(self.enrolment, user, code)


def _digest(key: bytes, user: str, code: str) -> str:
    return hmac.new(key, f"{user}\n{code}".encode(), hashlib.sha256).hexdigest()


def _context(user: str) -> str:
    return f"sceau totp secret v1 user={user}"


_FILE = KeyFile(
    what="the MFA key",
    setting="SCEAU_MFA_KEY",
    missing="there is no MFA key, so no TOTP factor or recovery code can be checked",
    missing_hint="restore the MFA key file from your backup (SCEAU_MFA_KEY)",
    error=MfaKeyError,
)


def load_mfa_key(path: Path, *, create: bool = True) -> MfaKey:
    """The installation's MFA key from ``path``; made there on first use when ``create``."""
    data = _FILE.read(path, create=create, make=lambda: secrets.token_bytes(_BYTES))
    if len(data) != _BYTES:
        raise MfaKeyError(
            "the MFA key file is damaged (it is not 32 bytes)",
            hint="restore it from your backup; without it TOTP factors cannot be checked",
            where=str(path),
        )
    return MfaKey.from_bytes(data)
