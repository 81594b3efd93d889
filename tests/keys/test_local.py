"""The local keyring file: private, sealed, tamper-evident, rewritten without shredded keys."""

from __future__ import annotations

import json
import os
import stat
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from argon2.low_level import Type, hash_secret_raw

from sceau.config import Settings
from sceau.crypto.envelope import unseal
from sceau.keys import KeyProviderError
from sceau.keys.local import LocalKeyring


def read_keyring(path: Path, passphrase: str) -> dict[str, list[str]]:
    """The test's own reading of the documented format: header line, then the sealed body."""
    header, _, sealed = path.read_bytes().partition(b"\n")
    meta = json.loads(header)
    assert meta["kdf"]["memory_kib"] >= 65_536
    key = hash_secret_raw(
        passphrase.encode(),
        bytes.fromhex(meta["salt"]),
        time_cost=meta["kdf"]["time"],
        memory_cost=meta["kdf"]["memory_kib"],
        parallelism=meta["kdf"]["parallelism"],
        hash_len=32,
        type=Type.ID,
    )
    body = unseal(key, sealed, context="sceau keyring " + header.decode())
    return json.loads(body)["keys"]


def test_the_file_is_private_and_holds_no_key_in_clear(local_settings, key_id):
    keyring = LocalKeyring.from_settings(local_settings)
    assert not local_settings.keyring_path.exists()  # opening creates nothing
    keyring.create(key_id)
    keyring.rotate(key_id)
    secret = os.urandom(32)
    keyring.wrap(key_id, secret)
    path = local_settings.keyring_path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    raw = path.read_bytes()
    versions = read_keyring(path, local_settings.keyring_passphrase)[key_id]
    assert len(versions) == 2
    for kek in versions:
        assert kek.encode() not in raw
        assert bytes.fromhex(kek) not in raw
    assert key_id.encode() not in raw  # even the key ids are sealed
    assert secret not in raw
    assert local_settings.keyring_passphrase.encode() not in raw
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, f"{path.name}.lock"]


def test_destroy_rewrites_the_file_without_the_key(local_settings, key_id):
    keyring = LocalKeyring.from_settings(local_settings)
    keyring.create(key_id)
    keyring.create(f"{key_id}-kept")
    before = read_keyring(local_settings.keyring_path, local_settings.keyring_passphrase)
    keyring.destroy(key_id)
    after = read_keyring(local_settings.keyring_path, local_settings.keyring_passphrase)
    assert set(after) == {f"{key_id}-kept"}
    body = json.dumps(after)
    for kek in before[key_id]:
        assert kek not in body


def test_a_wrong_passphrase_is_a_clear_error(local_settings, key_id):
    LocalKeyring.from_settings(local_settings).create(key_id)
    wrong = replace(local_settings, keyring_passphrase="not the passphrase")
    with pytest.raises(KeyProviderError, match="wrong passphrase") as refused:
        LocalKeyring.from_settings(wrong)
    assert "not the passphrase" not in str(refused.value)
    assert "SCEAU_KEYRING_PASSPHRASE" in refused.value.hint
    assert refused.value.where == str(local_settings.keyring_path)


def test_an_empty_passphrase_says_which_variable_to_set(tmp_path):
    with pytest.raises(KeyProviderError, match="passphrase") as refused:
        LocalKeyring.from_settings(Settings(home=tmp_path))
    assert "SCEAU_KEYRING_PASSPHRASE" in refused.value.hint


@pytest.mark.parametrize(
    "edit",
    [
        lambda header: header.replace(b'"time": 3', b'"time": 1'),
        lambda header: header.replace(b'"salt": "', b'"salt": "00'),
        lambda header: header.replace(b'"memory_kib": 65536', b'"memory_kib": 99999999999'),
        lambda header: b"not json",
    ],
)
def test_an_altered_header_is_refused(local_settings, key_id, edit):
    LocalKeyring.from_settings(local_settings).create(key_id)
    path = local_settings.keyring_path
    header, _, body = path.read_bytes().partition(b"\n")
    altered = edit(header)
    assert altered != header
    path.write_bytes(altered + b"\n" + body)
    with pytest.raises(KeyProviderError):
        LocalKeyring.from_settings(local_settings)


def test_a_truncated_file_is_refused(local_settings, key_id):
    LocalKeyring.from_settings(local_settings).create(key_id)
    path = local_settings.keyring_path
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(KeyProviderError, match="altered"):
        LocalKeyring.from_settings(local_settings).exists(key_id)


def test_an_existing_open_folder_is_made_private(tmp_path, key_id):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    settings = Settings(home=folder, keyring_passphrase="correct horse")
    LocalKeyring.from_settings(settings).create(key_id)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_concurrent_writers_lose_no_key(local_settings, key_id):
    first = LocalKeyring.from_settings(local_settings)
    first.create(f"{key_id}-seed")  # fixes the salt, so each instance derives its key once
    second = LocalKeyring.from_settings(local_settings)
    names = [f"{key_id}-{n}" for n in range(24)]

    def create(keyring: LocalKeyring, mine: list[str]) -> None:
        for name in mine:
            keyring.create(name)

    threads = [
        threading.Thread(target=create, args=(first, names[0::2])),
        threading.Thread(target=create, args=(second, names[1::2])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(first.exists(name) for name in names)
