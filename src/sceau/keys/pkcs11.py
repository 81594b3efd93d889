"""A PKCS#11 HSM (SoftHSM2 in tests) as key provider: KEKs are generated in and never leave it.

Each version of a KEK is one AES-256 secret key object on the token — sensitive, not
extractable, usable only to encrypt and decrypt — with ``CKA_ID`` = the key id and label
``<key_id>#<n>``. Wrapping is AES-GCM inside the HSM with a fresh 96-bit nonce and the key id and
version as associated data; the wrapped form is ``b"pkcs11:v<n>:" + nonce + ciphertext + tag``.
Destroying deletes every object of the key id.

``python-pkcs11`` is imported only when this provider is used: ``pip install sceau[hsm]``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sceau.keys.base import KeyDestroyedError, KeyProvider, KeyProviderError

if TYPE_CHECKING:
    from sceau.config import Settings

_PREFIX = b"pkcs11:v"
_NONCE_BYTES = 12
_TAG_BYTES = 16


class Pkcs11Hsm(KeyProvider):
    """KEKs on the PKCS#11 token labelled ``settings.pkcs11_token``; one session per instance."""

    name = "pkcs11"

    def __init__(self, library: str, token_label: str, pin: str) -> None:
        self.where = f"PKCS#11 token {token_label}"
        if not pin:
            raise KeyProviderError(
                "the PKCS#11 key provider needs the token's user PIN",
                hint="set SCEAU_PKCS11_PIN",
                where=self.where,
            )
        self._p11 = _import_pkcs11()
        self._session: Any = None
        self._lock = threading.RLock()  # a PKCS#11 session does one operation at a time
        try:
            lib = self._p11.lib(library)
        except (RuntimeError, OSError):  # python-pkcs11: PKCS11Error (a RuntimeError), or OSError
            raise KeyProviderError(
                "cannot load the PKCS#11 library",
                hint="check SCEAU_PKCS11_LIBRARY (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)",
                where=library,
            ) from None
        self._login_key = (library, token_label)
        with self._errors("open a session"):
            token = lib.get_token(token_label=token_label)
            _log_in(self._p11, token, self._login_key, pin)
            try:
                self._session = token.open(rw=True)  # shares the login
            except BaseException:
                _log_out(self._login_key)
                raise

    @classmethod
    def from_settings(cls, settings: Settings) -> Pkcs11Hsm:
        return cls(settings.pkcs11_library, settings.pkcs11_token, settings.pkcs11_pin)

    def create(self, key_id: str) -> None:
        with self._errors("create a key", key_id):
            if self._versions(key_id):
                raise KeyProviderError(
                    f"a key named {key_id} already exists",
                    hint="key ids are never reused; mint a new one",
                    where=self.where,
                )
            self._generate(key_id, 1)

    def exists(self, key_id: str) -> bool:
        with self._errors("look up a key", key_id):
            return bool(self._versions(key_id))

    def wrap(self, key_id: str, secret: bytes) -> bytes:
        with self._errors("wrap", key_id):
            number, key = max(self._present(key_id).items())
            nonce = os.urandom(_NONCE_BYTES)
            sealed = bytes(key.encrypt(secret, **self._gcm(key_id, number, nonce)))
        return _PREFIX + str(number).encode("ascii") + b":" + nonce + sealed

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        number, nonce, sealed = self._parse(wrapped)
        with self._errors("unwrap", key_id):
            key = self._present(key_id).get(number)
            if key is None:
                raise self._damaged(f"names version {number} of {key_id}, which does not exist")
            try:
                return bytes(key.decrypt(sealed, **self._gcm(key_id, number, nonce)))
            except self._p11.PKCS11Error:
                raise self._damaged(f"was altered or not wrapped by {key_id}") from None

    def rotate(self, key_id: str) -> int:
        with self._errors("rotate", key_id):
            number = max(self._present(key_id)) + 1
            self._generate(key_id, number)
        return number

    def destroy(self, key_id: str) -> None:
        with self._errors("destroy", key_id):
            for key in self._versions(key_id).values():
                key.destroy()

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                session, self._session = self._session, None
                try:
                    session.close()
                finally:
                    _log_out(self._login_key)

    # -- the token ---------------------------------------------------------------------------

    def _versions(self, key_id: str) -> dict[int, Any]:
        """Every version of ``key_id`` on the token, by number."""
        if self._session is None:
            raise KeyProviderError("the PKCS#11 provider was closed", where=self.where)
        p11 = self._p11
        found = self._session.get_objects(
            {p11.Attribute.CLASS: p11.ObjectClass.SECRET_KEY, p11.Attribute.ID: key_id.encode()}
        )
        versions = {}
        for key in found:
            name, _, number = str(key.label).rpartition("#")
            if name == key_id and number.isdigit():
                versions[int(number)] = key
        return versions

    def _present(self, key_id: str) -> dict[int, Any]:
        versions = self._versions(key_id)
        if not versions:
            raise KeyDestroyedError(
                f"no key named {key_id}: it was destroyed or never created",
                hint="what a destroyed key wrapped can no longer be opened, by design",
                where=self.where,
            )
        return versions

    def _generate(self, key_id: str, number: int) -> None:
        p11 = self._p11
        self._session.generate_key(
            p11.KeyType.AES,
            256,
            id=key_id.encode(),
            label=f"{key_id}#{number}",
            store=True,
            capabilities=p11.MechanismFlag.ENCRYPT | p11.MechanismFlag.DECRYPT,
            template={
                p11.Attribute.PRIVATE: True,
                p11.Attribute.SENSITIVE: True,
                p11.Attribute.EXTRACTABLE: False,
            },
        )

    def _gcm(self, key_id: str, number: int, nonce: bytes) -> dict[str, Any]:
        aad = f"sceau kek {key_id} v{number}".encode()
        params = self._p11.GCMParams(nonce, aad, _TAG_BYTES * 8)
        return {"mechanism": self._p11.Mechanism.AES_GCM, "mechanism_param": params}

    def _parse(self, wrapped: bytes) -> tuple[int, bytes, bytes]:
        if wrapped.startswith(_PREFIX):
            number, colon, body = wrapped[len(_PREFIX) :].partition(b":")
            if colon and number.isdigit() and len(body) >= _NONCE_BYTES + _TAG_BYTES:
                return int(number), body[:_NONCE_BYTES], body[_NONCE_BYTES:]
        raise self._damaged("is not in the PKCS#11 provider's format")

    def _damaged(self, what: str) -> KeyProviderError:
        return KeyProviderError(
            f"the wrapped key {what}",
            hint="it was damaged, wrapped by another key, or by another key provider",
            where=self.where,
        )

    @contextmanager
    def _errors(self, action: str, key_id: str = "") -> Iterator[None]:
        """python-pkcs11's exceptions as KeyProviderError, one operation at a time."""
        p11 = self._p11
        with self._lock:
            try:
                yield
            except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange):
                raise KeyProviderError(
                    "the token refused the PIN",
                    hint="check SCEAU_PKCS11_PIN (the token locks after too many wrong PINs)",
                    where=self.where,
                ) from None
            except p11.PinLocked:
                raise KeyProviderError(
                    "the token's user PIN is locked",
                    hint="the token's security officer must reset it",
                    where=self.where,
                ) from None
            except p11.NoSuchToken:
                raise KeyProviderError(
                    "there is no token with that label",
                    hint="check SCEAU_PKCS11_TOKEN; softhsm2-util --show-slots lists tokens",
                    where=self.where,
                ) from None
            except p11.PKCS11Error as error:
                target = f" {key_id}" if key_id else ""
                raise KeyProviderError(
                    f"the HSM refused to {action}{target} ({type(error).__name__})",
                    hint="see the HSM's log for the reason",
                    where=self.where,
                ) from None


# PKCS#11 logs in an application, not a session: every session this process opens on a token
# shares one login, and closing the session that logged in logs out all of them. So the login is
# held here, once per (library, token), by a session of its own, until the last provider using
# it closes. While a login is held, a new provider on the same token is not asked its PIN again.
_logins: dict[tuple[str, str], tuple[Any, int]] = {}  # → (login session or None, users)
_logins_lock = threading.Lock()


def _log_in(p11: Any, token: Any, key: tuple[str, str], pin: str) -> None:
    with _logins_lock:
        session, users = _logins.get(key, (None, 0))
        if not users:
            try:
                session = token.open(user_pin=pin)
            except p11.UserAlreadyLoggedIn:
                session = None  # logged in by other code in this process, which owns the login
        _logins[key] = (session, users + 1)


def _log_out(key: tuple[str, str]) -> None:
    with _logins_lock:
        session, users = _logins.pop(key, (None, 1))
        if users > 1:
            _logins[key] = (session, users - 1)
        elif session is not None:
            session.close()


def _import_pkcs11() -> ModuleType:
    try:
        import pkcs11
    except ImportError:
        raise KeyProviderError(
            "the PKCS#11 key provider needs the python-pkcs11 package",
            hint="pip install sceau[hsm]",
        ) from None
    if not hasattr(pkcs11, "GCMParams"):
        raise KeyProviderError(
            "the installed python-pkcs11 is too old: it cannot do AES-GCM",
            hint="pip install --upgrade sceau[hsm]",
        )
    return pkcs11
