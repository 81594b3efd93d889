"""The contract every key provider keeps, run against all three real providers."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from sceau.config import Settings
from sceau.keys import KeyProvider, KeyProviderError, open_provider, registered
from sceau.keys.base import KeyDestroyedError

PROVIDERS = ["local", "openbao", "pkcs11"]


@pytest.fixture(params=PROVIDERS)
def settings(request: pytest.FixtureRequest) -> Settings:
    return request.getfixturevalue(f"{request.param}_settings")


@pytest.fixture
def provider(settings: Settings) -> Iterator[KeyProvider]:
    opened = open_provider(settings)
    yield opened
    opened.close()


def version_of(wrapped: bytes) -> int:
    match = re.match(rb"[a-z0-9]+:v([0-9]+):", wrapped)
    assert match, "a wrapped key names its version in a short prefix"
    return int(match.group(1))


def test_every_builtin_provider_is_registered():
    assert set(registered()) >= set(PROVIDERS)


def test_open_provider_builds_the_named_provider(settings):
    provider = open_provider(settings)
    try:
        assert provider.name == settings.key_provider
        assert type(provider) is registered()[settings.key_provider]
    finally:
        provider.close()


def test_wrap_then_unwrap_gives_the_secret_back(provider, key_id):
    assert not provider.exists(key_id)
    provider.create(key_id)
    assert provider.exists(key_id)
    secret = os.urandom(32)
    wrapped = provider.wrap(key_id, secret)
    assert secret not in wrapped
    assert version_of(wrapped) == 1
    assert provider.unwrap(key_id, wrapped) == secret


def test_wrapping_is_randomised(provider, key_id):
    provider.create(key_id)
    secret = os.urandom(32)
    first, second = provider.wrap(key_id, secret), provider.wrap(key_id, secret)
    assert first != second
    assert provider.unwrap(key_id, first) == provider.unwrap(key_id, second) == secret


def test_rotate_keeps_old_wraps_and_wraps_with_the_new_version(provider, key_id):
    provider.create(key_id)
    old_secret, new_secret = os.urandom(32), os.urandom(32)
    old = provider.wrap(key_id, old_secret)
    assert provider.rotate(key_id) == 2
    new = provider.wrap(key_id, new_secret)
    assert (version_of(old), version_of(new)) == (1, 2)
    assert provider.unwrap(key_id, old) == old_secret
    assert provider.unwrap(key_id, new) == new_secret
    assert provider.rotate(key_id) == 3
    assert version_of(provider.wrap(key_id, new_secret)) == 3


def test_destroy_is_crypto_shredding(provider, key_id):
    provider.create(key_id)
    provider.rotate(key_id)
    wrapped = [provider.wrap(key_id, os.urandom(32))]
    provider.destroy(key_id)
    assert not provider.exists(key_id)
    for attempt in wrapped:
        with pytest.raises(KeyDestroyedError):
            provider.unwrap(key_id, attempt)
    with pytest.raises(KeyDestroyedError):
        provider.wrap(key_id, os.urandom(32))
    with pytest.raises(KeyDestroyedError):
        provider.rotate(key_id)
    provider.destroy(key_id)  # destroying twice is not an error


def test_destroy_leaves_other_keys_alone(provider, key_id):
    other = f"{key_id}-other"
    provider.create(key_id)
    provider.create(other)
    secret = os.urandom(32)
    wrapped = provider.wrap(other, secret)
    provider.destroy(key_id)
    assert provider.unwrap(other, wrapped) == secret
    provider.destroy(other)


def test_a_destroyed_key_is_gone_for_a_new_connection_too(settings, provider, key_id):
    provider.create(key_id)
    wrapped = provider.wrap(key_id, os.urandom(32))
    provider.destroy(key_id)
    other = open_provider(settings)
    try:
        with pytest.raises(KeyDestroyedError):
            other.unwrap(key_id, wrapped)
    finally:
        other.close()


def test_creating_twice_is_refused(provider, key_id):
    provider.create(key_id)
    with pytest.raises(KeyProviderError, match="already exists") as refused:
        provider.create(key_id)
    assert not isinstance(refused.value, KeyDestroyedError)


def test_an_unknown_key_cannot_be_used_and_is_not_created_by_use(provider, key_id):
    with pytest.raises(KeyDestroyedError):
        provider.wrap(key_id, os.urandom(32))
    with pytest.raises(KeyDestroyedError):
        provider.rotate(key_id)
    assert not provider.exists(key_id)
    provider.destroy(key_id)


def damaged_forms(wrapped: bytes) -> list[bytes]:
    flipped = bytearray(wrapped)
    flipped[-3] ^= 0x01
    prefix, _, rest = wrapped.partition(b":v1:")
    return [
        bytes(flipped),
        wrapped[:-5],
        wrapped[: len(prefix) + 4],
        b"",
        b"\xff\xfe not even text",
        prefix + b":v9:" + rest,
        prefix + b":v0:" + rest,
        b"other:v1:" + rest,
    ]


def test_damaged_wrapped_bytes_are_refused_cleanly(provider, key_id):
    provider.create(key_id)
    wrapped = provider.wrap(key_id, os.urandom(32))
    for damaged in damaged_forms(wrapped):
        with pytest.raises(KeyProviderError) as refused:
            provider.unwrap(key_id, damaged)
        assert not isinstance(refused.value, KeyDestroyedError), damaged
        assert refused.value.where


def test_a_wrap_cannot_be_opened_with_another_key(provider, key_id):
    other = f"{key_id}-other"
    provider.create(key_id)
    provider.create(other)
    with pytest.raises(KeyProviderError):
        provider.unwrap(other, provider.wrap(key_id, os.urandom(32)))


def test_errors_never_carry_the_secret(provider, key_id):
    secret = os.urandom(32)
    provider.create(key_id)
    wrapped = provider.wrap(key_id, secret)
    provider.destroy(key_id)
    with pytest.raises(KeyProviderError) as refused:
        provider.unwrap(key_id, wrapped)
    text = str(refused.value)
    assert secret.hex() not in text
    assert wrapped.decode("latin-1") not in text
