"""The controller's machine as a client of a real ``sceau serve`` over TLS: it holds no store.
``sceau --server URL keys new-signer`` makes the key file here and registers its public half at
the service; ``sceau --server URL mandate sign`` signs here and hands the mandate in; the key
and its passphrase never leave the machine, and each act wants the password and a second code
again (a recovery code here: an app's code works once per 30 seconds)."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.certificates import self_signed
from tests.conftest import free_port
from tests.migrate.world import PASSPHRASE, PASSWORD, make_world
from tests.web.service import LAB_A
from tests.web.test_serve_process import wait_healthy

from sceau.accounts import recovery, totp
from sceau.accounts.labs import add_member
from sceau.accounts.mfa import mfa_key
from sceau.cli import main
from sceau.mandate.signature import signature_path
from sceau.mandate.signers import list_signers
from sceau.mandate.verify import load_verified


@pytest.mark.slow
def test_a_controller_registers_a_key_and_signs_from_a_machine_without_a_store(tmp_path: Path):
    world = make_world(tmp_path / "service")
    add_member(world.engine, world.events, "dr.martin", LAB_A, by="admin")
    key = mfa_key(world.settings, create=True)
    now = datetime.now(UTC)
    enrolment = totp.begin(world.engine, key, "dr.martin", label="phone", issuer="lab", now=now)
    code = totp.code_at(enrolment.secret, totp.step_at(now))
    totp.confirm(world.engine, world.events, key, "dr.martin", enrolment.factor_id, code, now=now)
    codes = recovery.issue(world.engine, world.events, key, "dr.martin")
    cert, tls_key = self_signed(tmp_path)
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SCEAU_HOME": str(world.home),
        "SCEAU_KEYRING_PASSPHRASE": world.settings.keyring_passphrase,
    }
    command = [sys.executable, "-m", "sceau", "serve", "--port", str(port)]
    command += ["--certfile", str(cert), "--keyfile", str(tls_key)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    laptop = tmp_path / "laptop"
    laptop_env = {
        "SCEAU_HOME": str(laptop),
        "SCEAU_SERVER_CA": str(cert),
        "SCEAU_SIGNER_PASSPHRASE": PASSPHRASE,
    }
    runner = CliRunner()

    def run(*args: str, lines: list[str]):
        return runner.invoke(
            main, ["--server", url, *args], input="\n".join(lines) + "\n", env=laptop_env
        )

    try:
        wait_healthy(url, ssl.create_default_context(cafile=str(cert)), server)
        logged = run("login", "dr.martin", "--password-stdin", lines=[PASSWORD, codes.pop()])
        assert logged.exit_code == 0, logged.output
        made = run("keys", "new-signer", "--password-stdin", lines=[PASSWORD, *codes[-2:]])
        del codes[-2:]
        assert made.exit_code == 0, made.output
        assert "Registered at the service" in made.output
        key_file = laptop / "signers" / "dr.martin.signer.pem"
        [registered] = [s for s in list_signers(world.engine) if s.user == "dr.martin"][1:]
        assert registered.fingerprint[:4] in made.output
        again = run("keys", "new-signer", lines=[])
        assert again.exit_code == 0, again.output
        assert "Already registered at the service" in again.output  # no password asked

        mandate = laptop / "lab-a.toml"
        mandate.write_text(
            world.mandate_text(destination=f"sqlite:///{tmp_path / 'lis.db'}"), encoding="utf-8"
        )
        wrong = run("mandate", "sign", str(mandate), lines=["not the password", codes[-1]])
        assert wrong.exit_code != 0
        assert "the service refused (401)" in wrong.output
        assert not signature_path(mandate).exists()
        signed = run("mandate", "sign", str(mandate), lines=[PASSWORD, *codes[-2:]])
        assert signed.exit_code == 0, signed.output
        assert "the service keeps it (/mandates/" in signed.output
        assert signature_path(mandate).exists()
        changed = laptop / "changed.toml"
        changed.write_text(mandate.read_text().replace("retention_days = 7", "retention_days = 9"))
        other = run("mandate", "sign", str(changed), "--key", str(key_file), lines=[])
        assert other.exit_code != 0  # no code left to give: refused before anything is kept
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=60)
    assert sorted(p.name for p in laptop.iterdir()) == [
        "changed.toml",
        "lab-a.toml",
        "lab-a.toml.sig",
        "server-token",
        "signers",
    ]
    verified = load_verified(mandate, world.engine, world.events)
    assert (verified.signer, verified.fingerprint) == ("dr.martin", registered.fingerprint)
    signed_events = [e for e in world.events.read(names={"mandate.signed"})]
    assert signed_events[-1].get("fingerprint") == registered.fingerprint
