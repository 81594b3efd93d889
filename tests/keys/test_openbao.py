"""OpenBao-specific failures: they name the server, never the token."""

from __future__ import annotations

import os
import re
import secrets
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from sceau.config import Settings
from sceau.keys import KeyProviderError
from sceau.keys.openbao import OpenBaoTransit


def test_an_unreachable_server_is_named_without_the_token(tmp_path, unused_port):
    token = secrets.token_urlsafe(24)
    address = f"http://127.0.0.1:{unused_port}"
    settings = Settings(home=tmp_path, openbao_addr=address, openbao_token=token)
    with pytest.raises(KeyProviderError, match="cannot reach OpenBao") as refused:
        OpenBaoTransit.from_settings(settings)
    assert address in str(refused.value)
    assert token not in str(refused.value)
    assert "SCEAU_OPENBAO_ADDR" in refused.value.hint


def test_a_bad_token_is_refused_without_being_shown(openbao_settings):
    token = secrets.token_urlsafe(24)
    with pytest.raises(KeyProviderError, match="refused the token") as refused:
        OpenBaoTransit.from_settings(replace(openbao_settings, openbao_token=token))
    assert token not in str(refused.value)
    assert openbao_settings.openbao_token not in str(refused.value)
    assert "SCEAU_OPENBAO_TOKEN" in refused.value.hint


def test_a_missing_token_says_which_variable_to_set(tmp_path):
    with pytest.raises(KeyProviderError) as refused:
        OpenBaoTransit.from_settings(Settings(home=tmp_path))
    assert "SCEAU_OPENBAO_TOKEN" in refused.value.hint


def test_a_mount_without_transit_is_named(openbao_settings, key_id):
    provider = OpenBaoTransit.from_settings(replace(openbao_settings, openbao_mount="no-such"))
    try:
        with pytest.raises(KeyProviderError, match="no transit engine at no-such/"):
            provider.create(key_id)
    finally:
        provider.close()


def test_keys_are_transit_aes256_gcm96_keys(openbao_settings, key_id):
    import hvac

    provider = OpenBaoTransit.from_settings(openbao_settings)
    client = hvac.Client(url=openbao_settings.openbao_addr, token=openbao_settings.openbao_token)
    try:
        provider.create(key_id)
        key = client.secrets.transit.read_key(key_id, mount_point="transit")["data"]
        assert key["type"] == "aes256-gcm96"
        assert not key["exportable"]
    finally:
        provider.close()
        client.adapter.close()


def test_without_hvac_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "hvac", None)
    settings = Settings(home=tmp_path, openbao_token="t")
    with pytest.raises(KeyProviderError) as refused:
        OpenBaoTransit.from_settings(settings)
    assert "pip install sceau[openbao]" in refused.value.hint


def test_the_documented_policy_is_enough(openbao_settings, key_id):
    import hvac

    docs = Path(__file__).parents[2] / "docs" / "keys.md"
    policy = re.search(r"```hcl\n(.*?)```", docs.read_text(), re.DOTALL)
    assert policy, "docs/keys.md shows the token policy sceau needs"
    root = hvac.Client(url=openbao_settings.openbao_addr, token=openbao_settings.openbao_token)
    try:
        name = f"sceau-test-{secrets.token_hex(4)}"
        root.sys.create_or_update_policy(name, policy.group(1))
        token = root.auth.token.create(policies=[name], no_default_policy=False, ttl="5m")
    finally:
        root.adapter.close()
    limited = replace(openbao_settings, openbao_token=token["auth"]["client_token"])
    provider = OpenBaoTransit.from_settings(limited)
    try:
        provider.create(key_id)
        secret = os.urandom(32)
        old = provider.wrap(key_id, secret)
        provider.rotate(key_id)
        assert provider.unwrap(key_id, provider.wrap(key_id, secret)) == secret
        assert provider.unwrap(key_id, old) == secret
        provider.destroy(key_id)
        assert not provider.exists(key_id)
        with pytest.raises(KeyProviderError, match="refused the token"):
            provider.create("other-than-sceau")  # outside sceau-*: the policy says no
    finally:
        provider.close()
