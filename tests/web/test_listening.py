"""Where ``sceau serve`` agrees to listen: loopback in clear, anywhere else with TLS or a proxy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sceau.cli.serve import check_listening, loopback
from sceau.errors import SceauError


@given(st.ip_addresses())
def test_an_address_is_loopback_exactly_when_the_standard_library_says_so(address):
    assert loopback(str(address)) is address.is_loopback


@given(st.ip_addresses().filter(lambda a: not a.is_loopback), st.booleans())
def test_a_network_address_needs_tls_or_a_named_proxy(address, tls):
    host = str(address)
    if tls:
        check_listening(host, tls=True, behind_proxy=False, trusted_proxy="")
    else:
        with pytest.raises(SceauError, match="without TLS"):
            check_listening(host, tls=False, behind_proxy=False, trusted_proxy="")
    check_listening(host, tls=tls, behind_proxy=True, trusted_proxy="10.0.0.2")
    with pytest.raises(SceauError, match="trusted_proxy"):
        check_listening(host, tls=tls, behind_proxy=True, trusted_proxy="")


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.8.9.10", "::1"])
def test_loopback_needs_nothing(host):
    check_listening(host, tls=False, behind_proxy=False, trusted_proxy="")
    assert loopback(host)


EVERYWHERE = "0.0.0.0"  # noqa: S104  (checked, never bound)


@pytest.mark.parametrize("host", ["sceau.lab.example", EVERYWHERE, "::", "localhost.evil.example"])
def test_a_name_or_a_wildcard_is_not_loopback(host):
    assert not loopback(host)


def test_the_client_speaks_to_the_service_over_tls_only(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from sceau.cli import main

    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    refused = CliRunner().invoke(main, ["--server", "http://127.0.0.1:8443", "runs", "list"])
    assert refused.exit_code == 2
    assert "must start with https://" in refused.output
    assert not (tmp_path / "home").exists()  # the client made no store
