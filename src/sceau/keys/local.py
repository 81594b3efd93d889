"""The local keyring: every KEK in one file, sealed under a key derived from a passphrase.

For a single machine without a KMS or an HSM. The file is a one-line JSON header (format, Argon2id
parameters, salt) and then the body — ``{"keys": {key_id: [hex of v1, hex of v2, ...]}}`` —
sealed with :func:`sceau.crypto.envelope.seal`, the header bound as the seal's context so that
neither can be altered. Every change rewrites the whole file atomically under a lock, so
``destroy`` leaves no copy of the key in the current file (old disk blocks are another matter:
see docs/keys.md).

A wrapped secret is ``b"local:v<n>:" + seal(KEK v<n>, secret)``.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sceau.crypto.envelope import SealError, new_data_key, seal, unseal
from sceau.crypto.kdf import PASSPHRASE_KDF, passphrase_key
from sceau.files import write_atomic
from sceau.keys.base import KeyDestroyedError, KeyProvider, KeyProviderError

if TYPE_CHECKING:
    from sceau.config import Settings

FORMAT = "sceau-keyring"
VERSION = 1
DEFAULT_KDF = PASSPHRASE_KDF  # Argon2id, RFC 9106's second recommended option
_MAX_MEMORY_KIB = 4 * 1024 * 1024
_PREFIX = b"local:v"

Keys = dict[str, list[str]]


class LocalKeyring(KeyProvider):
    """KEKs in a passphrase-sealed file (``settings.keyring_path``, mode 0600)."""

    name = "local"

    def __init__(self, path: Path, passphrase: str, *, kdf: dict[str, int] | None = None) -> None:
        if not passphrase:
            raise KeyProviderError(
                "the local keyring needs a passphrase",
                hint="set SCEAU_KEYRING_PASSPHRASE (or choose another SCEAU_KEY_PROVIDER)",
                where=str(path),
            )
        self.path = path
        self._passphrase = passphrase
        self._kdf = dict(kdf or DEFAULT_KDF)
        self._derived: tuple[bytes, bytes] | None = None  # (header line, key): derived once

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalKeyring:
        keyring = cls(settings.keyring_path, settings.keyring_passphrase)
        keyring._read()  # a wrong passphrase or a damaged file fails here, not mid-run
        return keyring

    def create(self, key_id: str) -> None:
        def add(keys: Keys) -> None:
            if key_id in keys:
                raise KeyProviderError(
                    f"a key named {key_id} already exists",
                    hint="key ids are never reused; mint a new one",
                    where=str(self.path),
                )
            keys[key_id] = [new_data_key().hex()]

        self._update(add)

    def exists(self, key_id: str) -> bool:
        return key_id in self._read()

    def wrap(self, key_id: str, secret: bytes) -> bytes:
        versions = self._versions(key_id)
        number = len(versions)
        sealed = seal(bytes.fromhex(versions[-1]), secret, context=_context(key_id, number))
        return _PREFIX + str(number).encode("ascii") + b":" + sealed

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        number, sealed = _parse(wrapped, where=str(self.path))
        versions = self._versions(key_id)
        if number > len(versions):
            raise _damaged(f"names version {number} of {key_id}, which does not exist", self.path)
        key = bytes.fromhex(versions[number - 1])
        try:
            return unseal(key, sealed, context=_context(key_id, number))
        except SealError:
            raise _damaged(f"was altered or not wrapped by {key_id}", self.path) from None

    def rotate(self, key_id: str) -> int:
        def add_version(keys: Keys) -> None:
            if key_id not in keys:
                raise _missing(key_id, self.path)
            keys[key_id].append(new_data_key().hex())

        return len(self._update(add_version)[key_id])

    def destroy(self, key_id: str) -> None:
        if key_id in self._read():  # a destroy of nothing writes nothing, not even a new file
            self._update(lambda keys: keys.pop(key_id, None))

    # -- the file ----------------------------------------------------------------------------

    def _versions(self, key_id: str) -> list[str]:
        keys = self._read()
        if key_id not in keys:
            raise _missing(key_id, self.path)
        return keys[key_id]

    def _read(self) -> Keys:
        """The keys in the file as it is now: never cached, so a destroy is seen at once."""
        return self._load()[1]

    def _load(self) -> tuple[bytes | None, Keys]:
        """The file's header (None if there is no file yet) and its keys."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None, {}
        except OSError as error:
            raise KeyProviderError(
                f"cannot read the keyring ({error.strerror})",
                hint="check the file's owner and mode (0600)",
                where=str(self.path),
            ) from None
        header, newline, sealed = raw.partition(b"\n")
        if not newline:
            raise self._corrupt()
        key = self._key_for(header)
        try:
            body = unseal(key, sealed, context=_body_context(header))
        except SealError:
            raise KeyProviderError(
                "cannot open the keyring: wrong passphrase, or the file was altered",
                hint="check SCEAU_KEYRING_PASSPHRASE; restore the file from backup if it changed",
                where=str(self.path),
            ) from None
        keys = json.loads(body)["keys"]
        return header, {str(k): [str(v) for v in versions] for k, versions in keys.items()}

    def _key_for(self, header: bytes) -> bytes:
        if self._derived and self._derived[0] == header:
            return self._derived[1]
        try:
            meta = json.loads(header)
            if meta["format"] != FORMAT or meta["version"] != VERSION:
                raise ValueError
            kdf, salt = meta["kdf"], bytes.fromhex(meta["salt"])
            if not 0 < kdf["memory_kib"] <= _MAX_MEMORY_KIB or not 0 < kdf["time"] <= 100:
                raise ValueError  # an altered header must not make us allocate without bound
            key = passphrase_key(self._passphrase, salt, kdf)
        except (ValueError, KeyError, TypeError):
            raise self._corrupt() from None
        self._derived = (header, key)
        return key

    def _update(self, change: Callable[[Keys], object]) -> Keys:
        """Read, change and rewrite the file under an exclusive lock; returns the new keys."""
        with self._locked():
            header, keys = self._load()
            change(keys)
            header = header or self._new_header()
            key = self._key_for(header)
            body = json.dumps({"keys": keys}, sort_keys=True).encode("utf-8")
            self._replace(header + b"\n" + seal(key, body, context=_body_context(header)))
        return keys

    def _new_header(self) -> bytes:
        salt = os.urandom(16).hex()
        meta = {"format": FORMAT, "version": VERSION, "kdf": self._kdf, "salt": salt}
        return json.dumps(meta, sort_keys=True).encode("ascii")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        folder = self.path.parent
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if stat.S_IMODE(folder.stat().st_mode) & 0o077:
                folder.chmod(0o700)
            lock = os.open(folder / f"{self.path.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise KeyProviderError(
                f"cannot prepare the keyring's folder ({error.strerror})",
                hint="the folder must belong to the user running sceau, mode 0700",
                where=str(folder),
            ) from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock)  # closing releases the lock

    def _replace(self, content: bytes) -> None:
        write_atomic(self.path, content)

    def _corrupt(self) -> KeyProviderError:
        return KeyProviderError(
            "the keyring file is not a sceau keyring, or its header is damaged",
            hint="restore the file from backup; sceau never writes a partial keyring",
            where=str(self.path),
        )


def _body_context(header: bytes) -> str:
    return "sceau keyring " + header.decode("ascii")


def _context(key_id: str, number: int) -> str:
    return f"sceau kek {key_id} v{number}"


def _parse(wrapped: bytes, *, where: str) -> tuple[int, bytes]:
    if wrapped.startswith(_PREFIX):
        number, colon, sealed = wrapped[len(_PREFIX) :].partition(b":")
        if colon and number.isdigit() and int(number) >= 1:
            return int(number), sealed
    raise KeyProviderError(
        "the wrapped key is not in the local keyring's format",
        hint="it was damaged, or wrapped by another key provider",
        where=where,
    )


def _missing(key_id: str, path: Path) -> KeyDestroyedError:
    return KeyDestroyedError(
        f"no key named {key_id}: it was destroyed or never created",
        hint="what a destroyed key wrapped can no longer be opened, by design",
        where=str(path),
    )


def _damaged(what: str, path: Path) -> KeyProviderError:
    return KeyProviderError(
        f"the wrapped key {what}",
        hint="it was damaged, or belongs to another key",
        where=str(path),
    )
