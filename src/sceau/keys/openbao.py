"""OpenBao (or HashiCorp Vault) transit engine as key provider: KEKs never leave the server.

Each KEK is a transit key of type ``aes256-gcm96``; wrapping and unwrapping are the engine's
encrypt and decrypt, and the wrapped form is the engine's own ``vault:v<n>:...`` ciphertext, so it
names the key version. Destroying is the engine's delete (after allowing it on the key).

``hvac`` is imported only when this provider is used: ``pip install sceau[openbao]``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sceau.keys.base import KeyDestroyedError, KeyProvider, KeyProviderError

if TYPE_CHECKING:
    from sceau.config import Settings

_CIPHERTEXT = re.compile(r"vault:v[1-9][0-9]*:[A-Za-z0-9+/]+={0,2}")


class OpenBaoTransit(KeyProvider):
    """KEKs held by an OpenBao/Vault transit engine at ``settings.openbao_mount``."""

    name = "openbao"

    def __init__(self, addr: str, token: str, mount: str = "transit", *, timeout: float = 10.0):
        if not token:
            raise KeyProviderError(
                "the OpenBao key provider needs a token",
                hint="set SCEAU_OPENBAO_TOKEN to a token allowed to use the transit engine",
                where=addr,
            )
        self._hvac = _import_hvac()
        self.addr, self.mount = addr, mount
        self._client = self._hvac.Client(url=addr, token=token, timeout=timeout)
        self._transit = self._client.secrets.transit

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenBaoTransit:
        provider = cls(settings.openbao_addr, settings.openbao_token, settings.openbao_mount)
        try:
            with provider._errors("check the token", key_id=""):
                provider._client.auth.token.lookup_self()
        except KeyProviderError:
            provider.close()
            raise
        return provider

    def create(self, key_id: str) -> None:
        if self.exists(key_id):
            raise KeyProviderError(
                f"a key named {key_id} already exists",
                hint="key ids are never reused; mint a new one",
                where=self._where(key_id),
            )
        try:
            with self._errors("create a key", key_id):
                self._transit.create_key(key_id, key_type="aes256-gcm96", mount_point=self.mount)
        except KeyDestroyedError:
            raise KeyProviderError(
                f"there is no transit engine at {self.mount}/",
                hint=f"enable one (bao secrets enable -path={self.mount} transit) "
                "or set SCEAU_OPENBAO_MOUNT",
                where=self.addr,
            ) from None

    def exists(self, key_id: str) -> bool:
        try:
            self._latest_version(key_id)
        except KeyDestroyedError:
            return False
        return True

    def wrap(self, key_id: str, secret: bytes) -> bytes:
        self._latest_version(key_id)  # encrypt would silently create a missing key
        with self._errors("wrap", key_id):
            response = self._transit.encrypt_data(
                key_id, base64.b64encode(secret).decode("ascii"), mount_point=self.mount
            )
        return str(response["data"]["ciphertext"]).encode("ascii")

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        text = wrapped.decode("ascii", errors="replace")
        if not _CIPHERTEXT.fullmatch(text):
            raise self._damaged(key_id)
        refused = False
        with self._errors("unwrap", key_id):
            try:
                response = self._transit.decrypt_data(key_id, text, mount_point=self.mount)
            except self._hvac.exceptions.InvalidRequest:
                refused = True  # a missing key and a damaged ciphertext both come back as 400
        if refused:
            self._latest_version(key_id)  # raises KeyDestroyedError if the key is gone
            raise self._damaged(key_id)
        try:
            return base64.b64decode(response["data"]["plaintext"], validate=True)
        except (binascii.Error, KeyError, TypeError):
            raise self._damaged(key_id) from None

    def rotate(self, key_id: str) -> int:
        self._latest_version(key_id)
        with self._errors("rotate", key_id):
            self._transit.rotate_key(key_id, mount_point=self.mount)
        return self._latest_version(key_id)

    def destroy(self, key_id: str) -> None:
        if not self.exists(key_id):
            return
        with self._errors("destroy", key_id):
            self._transit.update_key_configuration(
                key_id, deletion_allowed=True, mount_point=self.mount
            )
            self._transit.delete_key(key_id, mount_point=self.mount)

    def close(self) -> None:
        self._client.adapter.close()

    # -- talking to the server ---------------------------------------------------------------

    def _latest_version(self, key_id: str) -> int:
        with self._errors("read the key", key_id):
            response = self._transit.read_key(key_id, mount_point=self.mount)
        return int(response["data"]["latest_version"])

    @contextmanager
    def _errors(self, action: str, key_id: str) -> Iterator[None]:
        """hvac's and requests' exceptions as KeyProviderError; never the token, nor the data."""
        errors: Any = self._hvac.exceptions
        where = self._where(key_id) if key_id else self.addr
        try:
            yield
        except errors.InvalidPath:
            raise KeyDestroyedError(
                f"no key named {key_id}: it was destroyed or never created",
                hint="what a destroyed key wrapped can no longer be opened, by design",
                where=where,
            ) from None
        except (errors.Forbidden, errors.Unauthorized):
            raise KeyProviderError(
                f"OpenBao refused the token (cannot {action})",
                hint=f"check SCEAU_OPENBAO_TOKEN and that its policy allows {self.mount}/",
                where=where,
            ) from None
        except (errors.VaultDown, errors.VaultNotInitialized):
            raise KeyProviderError(
                f"OpenBao is sealed or not initialised (cannot {action})",
                hint="unseal the server, then retry",
                where=where,
            ) from None
        except errors.VaultError as error:
            raise KeyProviderError(
                f"OpenBao refused to {action} ({type(error).__name__})",
                hint="see the server's log for the reason",
                where=where,
            ) from None
        except self._requests.RequestException:
            raise KeyProviderError(
                f"cannot reach OpenBao (cannot {action})",
                hint="check SCEAU_OPENBAO_ADDR and that the server is running",
                where=where,
            ) from None

    @property
    def _requests(self) -> Any:
        import requests.exceptions  # hvac's own dependency, present whenever hvac is

        return requests.exceptions

    def _where(self, key_id: str) -> str:
        return f"{self.addr} {self.mount}/{key_id}"

    def _damaged(self, key_id: str) -> KeyProviderError:
        return KeyProviderError(
            "the wrapped key is damaged, or was not wrapped by this key",
            hint="it must be the vault:v<n>:... text the transit engine returned",
            where=self._where(key_id),
        )


def _import_hvac() -> ModuleType:
    try:
        import hvac
        import hvac.exceptions
    except ImportError:
        raise KeyProviderError(
            "the OpenBao key provider needs the hvac package",
            hint="pip install sceau[openbao]",
        ) from None
    return hvac
