"""A key-provider plug-in: KEKs as files in a folder of sceau's home.

For illustration only: whoever reads the folder holds the keys, which is what a KMS or an HSM
is there to prevent. It shows the contract: versions, wrap, unwrap, rotate, destroy.
"""

import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sceau.config import Settings
from sceau.keys.base import KeyDestroyedError, KeyProvider, KeyProviderError


class FolderKeys(KeyProvider):
    """One JSON file of key versions per KEK; destroying the KEK deletes its file."""

    name = "folder-keys"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyProvider:
        folder = settings.home / "folder-keys"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return cls(folder)

    def create(self, key_id: str) -> None:
        if self.exists(key_id):
            raise KeyProviderError("this key exists already", where=key_id)
        self._save(key_id, [os.urandom(32)])

    def exists(self, key_id: str) -> bool:
        return self._path(key_id).exists()

    def wrap(self, key_id: str, secret: bytes) -> bytes:
        versions = self._versions(key_id)
        nonce = os.urandom(12)
        sealed = AESGCM(versions[-1]).encrypt(nonce, secret, key_id.encode())
        return bytes([len(versions)]) + nonce + sealed

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        versions = self._versions(key_id)
        key = versions[wrapped[0] - 1]
        return AESGCM(key).decrypt(wrapped[1:13], wrapped[13:], key_id.encode())

    def rotate(self, key_id: str) -> int:
        versions = [*self._versions(key_id), os.urandom(32)]
        self._save(key_id, versions)
        return len(versions)

    def destroy(self, key_id: str) -> None:
        self._path(key_id).unlink(missing_ok=True)

    def _path(self, key_id: str) -> Path:
        return self.folder / f"{key_id}.json"

    def _versions(self, key_id: str) -> list[bytes]:
        if not self.exists(key_id):
            raise KeyDestroyedError("this key was destroyed, or never existed", where=key_id)
        return [bytes.fromhex(key) for key in json.loads(self._path(key_id).read_text())]

    def _save(self, key_id: str, versions: list[bytes]) -> None:
        partial = self._path(key_id).with_suffix(".partial")
        partial.write_text(json.dumps([key.hex() for key in versions]))
        os.replace(partial, self._path(key_id))
