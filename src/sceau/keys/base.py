"""What a key provider is: it holds key-encryption keys and wraps, unwraps and destroys with them.

A KEK never leaves its provider (OpenBao's transit engine, an HSM) — or, for the local keyring,
never leaves the passphrase-sealed file except in this process's memory. sceau only ever hands a
provider a short secret (a 32-byte data key) to wrap, and gets it back to unwrap.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from sceau.errors import SceauError
from sceau.plugins import Registry

if TYPE_CHECKING:
    from sceau.config import Settings


class KeyProviderError(SceauError):
    """The provider refused, cannot be reached, or does not hold the key."""


class KeyDestroyedError(KeyProviderError):
    """The key was destroyed (crypto-shredded): what it wrapped can no longer be opened."""


class KeyProvider(ABC):
    """One place keys live. Subclasses build from settings; an entry point registers each.

    ``key_id`` values are minted by sceau (``sceau-run-<run id>``, ``sceau-controller-<FINESS>``):
    letters, digits and dashes only, so every provider can use them as names.
    """

    name: ClassVar[str]  # "local", "openbao", "pkcs11"

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings) -> KeyProvider:
        """The provider the settings describe. Raises KeyProviderError if it cannot be reached."""

    @abstractmethod
    def create(self, key_id: str) -> None:
        """Create a new KEK named ``key_id``. Raises if one of that name already exists."""

    @abstractmethod
    def exists(self, key_id: str) -> bool:
        """Whether a KEK named ``key_id`` exists and has not been destroyed."""

    @abstractmethod
    def wrap(self, key_id: str, secret: bytes) -> bytes:
        """``secret`` encrypted under the KEK's newest version; the result names that version."""

    @abstractmethod
    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        """The secret back. Raises KeyDestroyedError once the KEK is destroyed."""

    @abstractmethod
    def rotate(self, key_id: str) -> int:
        """Add a new version of the KEK and return its number; older wraps still unwrap."""

    @abstractmethod
    def destroy(self, key_id: str) -> None:
        """Destroy every version of the KEK, irreversibly. Destroying twice is not an error."""

    def close(self) -> None:  # noqa: B027  (optional hook: most providers hold nothing open)
        """Release sessions and connections."""


PROVIDERS: Registry[type[KeyProvider]] = Registry(
    "sceau.key_providers", "key provider", name_of=lambda cls: cls.name
)


def registered() -> dict[str, type[KeyProvider]]:
    """Every key provider by name (see :mod:`sceau.plugins`)."""
    return dict(PROVIDERS)


def open_provider(settings: Settings) -> KeyProvider:
    """The provider ``settings.key_provider`` names, connected."""
    providers = registered()
    if settings.key_provider not in providers:
        raise KeyProviderError(
            f"unknown key provider {settings.key_provider!r}",
            hint=f"set SCEAU_KEY_PROVIDER to one of: {', '.join(sorted(providers))}",
        )
    return providers[settings.key_provider].from_settings(settings)
