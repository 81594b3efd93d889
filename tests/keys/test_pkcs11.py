"""PKCS#11-specific behaviour: what the HSM holds, and how login failures read."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import replace

import pytest

from sceau.keys import KeyProviderError
from sceau.keys.pkcs11 import Pkcs11Hsm


def test_a_wrong_pin_is_refused_without_being_shown(spare_token_settings):
    pin = secrets.token_hex(8)
    with pytest.raises(KeyProviderError, match="refused the PIN") as refused:
        Pkcs11Hsm.from_settings(replace(spare_token_settings, pkcs11_pin=pin))
    assert pin not in str(refused.value)
    assert "SCEAU_PKCS11_PIN" in refused.value.hint


def test_an_unknown_token_is_named(pkcs11_settings):
    with pytest.raises(KeyProviderError, match="no token") as refused:
        Pkcs11Hsm.from_settings(replace(pkcs11_settings, pkcs11_token="no-such-token"))
    assert "no-such-token" in refused.value.where


def test_a_missing_library_is_named(pkcs11_settings, tmp_path):
    library = str(tmp_path / "libnothing.so")
    with pytest.raises(KeyProviderError, match="cannot load") as refused:
        Pkcs11Hsm.from_settings(replace(pkcs11_settings, pkcs11_library=library))
    assert refused.value.where == library


def test_an_empty_pin_says_which_variable_to_set(pkcs11_settings):
    with pytest.raises(KeyProviderError) as refused:
        Pkcs11Hsm.from_settings(replace(pkcs11_settings, pkcs11_pin=""))
    assert "SCEAU_PKCS11_PIN" in refused.value.hint


def test_key_versions_are_sensitive_unextractable_token_objects(pkcs11_settings, key_id):
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    provider = Pkcs11Hsm.from_settings(pkcs11_settings)
    token = pkcs11.lib(pkcs11_settings.pkcs11_library).get_token(
        token_label=pkcs11_settings.pkcs11_token
    )
    try:
        provider.create(key_id)
        provider.rotate(key_id)
        with token.open() as session:  # shares the provider's login
            template = {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.ID: key_id.encode()}
            keys = list(session.get_objects(template))
            assert sorted(key.label for key in keys) == [f"{key_id}#1", f"{key_id}#2"]
            for key in keys:
                assert key[Attribute.TOKEN]
                assert key[Attribute.SENSITIVE]
                assert not key[Attribute.EXTRACTABLE]
                assert key.key_length == 256
            provider.destroy(key_id)
            assert list(session.get_objects(template)) == []
    finally:
        provider.close()


def test_close_twice_is_fine_and_a_closed_provider_refuses(pkcs11_settings, key_id):
    provider = Pkcs11Hsm.from_settings(pkcs11_settings)
    provider.close()
    provider.close()
    with pytest.raises(KeyProviderError, match="closed"):
        provider.exists(key_id)


def test_without_python_pkcs11_the_error_says_what_to_install(monkeypatch, pkcs11_settings):
    monkeypatch.setitem(sys.modules, "pkcs11", None)
    with pytest.raises(KeyProviderError) as refused:
        Pkcs11Hsm.from_settings(pkcs11_settings)
    assert "pip install sceau[hsm]" in refused.value.hint


def test_the_providers_import_without_their_optional_packages():
    code = (
        "import sys; sys.modules['hvac'] = None; sys.modules['pkcs11'] = None\n"
        "from sceau.keys import registered\n"
        "print(' '.join(sorted(registered())))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["local", "openbao", "pkcs11"]


def test_closing_one_provider_does_not_log_out_another(pkcs11_settings, key_id):
    first = Pkcs11Hsm.from_settings(pkcs11_settings)
    second = Pkcs11Hsm.from_settings(pkcs11_settings)
    try:
        first.create(key_id)
        secret = os.urandom(32)
        wrapped = first.wrap(key_id, secret)
        first.close()
        assert second.unwrap(key_id, wrapped) == secret  # key objects are private: needs login
    finally:
        first.close()
        second.close()
    third = Pkcs11Hsm.from_settings(pkcs11_settings)  # logs in afresh once all have closed
    try:
        assert third.exists(key_id)
        third.destroy(key_id)
    finally:
        third.close()
