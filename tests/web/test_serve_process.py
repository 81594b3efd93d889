"""``sceau serve`` as a real process on a loopback port with TLS, and the CLI as its client on a
machine that holds no store: log in over HTTPS, list runs, fetch a checkpoint, stop with SIGTERM."""

from __future__ import annotations

import os
import signal
import ssl
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from tests.certificates import self_signed
from tests.conftest import free_port
from tests.migrate.world import PASSWORD, make_world
from tests.web.service import LAB_A

from sceau.accounts.labs import add_member
from sceau.audit.verify import verify_log
from sceau.audit.witness import Witness
from sceau.cli import main
from sceau.migrate.pipeline import migrate


def wait_healthy(url: str, context: ssl.SSLContext, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(
                f"sceau serve exited: {server.stderr.read().decode() if server.stderr else ''}"
            )
        try:
            if httpx.get(f"{url}/health", verify=context, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail("sceau serve did not answer /health")


@pytest.mark.slow
def test_the_real_service_over_tls_serves_the_cli_client_and_stops_on_sigterm(tmp_path: Path):
    world = make_world(tmp_path / "service")
    for person in ("dr.martin", "op.durand"):
        add_member(world.engine, world.events, person, LAB_A, by="admin")
    run_id = migrate(
        world.session(), world.signed_mandate(destination=f"sqlite:///{tmp_path / 'lis.db'}")
    ).run_id
    cert, key = self_signed(tmp_path)
    port = free_port()
    url = f"https://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SCEAU_HOME": str(world.home),
        "SCEAU_KEYRING_PASSPHRASE": world.settings.keyring_passphrase,
        "SCEAU_SUPERVISE_SECONDS": "1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sceau",
            "serve",
            "--port",
            str(port),
            "--certfile",
            str(cert),
            "--keyfile",
            str(key),
            "--allow-no-mfa",  # the CLI client logs in with a password alone
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_healthy(url, ssl.create_default_context(cafile=str(cert)), server)
        client_home = tmp_path / "laptop"  # the client machine: no store, no keys
        client_env = {"SCEAU_HOME": str(client_home), "SCEAU_SERVER_CA": str(cert)}
        runner = CliRunner()
        logged = runner.invoke(
            main,
            ["--server", url, "login", "dr.martin", "--password-stdin"],
            input=PASSWORD + "\n",
            env=client_env,
        )
        assert logged.exit_code == 0, logged.output
        assert "Logged in to" in logged.output
        token_file = client_home / "server-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        listed = runner.invoke(main, ["--server", url, "runs", "list"], env=client_env)
        assert listed.exit_code == 0, listed.output
        assert run_id in listed.output
        shown = runner.invoke(main, ["--server", url, "runs", "show", run_id], env=client_env)
        assert shown.exit_code == 0, shown.output
        assert "state: " in shown.output
        other = runner.invoke(
            main, ["--server", url, "runs", "show", "no-such-run"], env=client_env
        )
        assert other.exit_code == 2
        assert "404" in other.output
        mine = runner.invoke(main, ["--server", url, "tokens", "list"], env=client_env)
        assert mine.exit_code == 0, mine.output
        assert "cli@" in mine.output
        assert token_file.read_text().strip() not in mine.output
        deadline = time.monotonic() + 30  # the service's supervision signs the first checkpoint
        while True:
            fetched = runner.invoke(main, ["--server", url, "audit", "checkpoint"], env=client_env)
            if fetched.exit_code == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert fetched.exit_code == 0, fetched.output
        assert fetched.output.startswith(world.events.origin + "\n")
        assert "— " + world.events.origin in fetched.output  # the signature line of the note
        # the lab's witness, kept apart from the laptop's sceau home: it checks what the
        # service signed against what it saw, and sends its cosignature back
        lab = tmp_path / "lab-witness"
        made = runner.invoke(
            main,
            [
                "audit",
                "witness",
                "init",
                "--state",
                str(lab),
                "--log-key",
                str(world.events.verifier),
            ],
            env=client_env,
        )
        assert made.exit_code == 0, made.output
        witnessed = runner.invoke(
            main,
            ["--server", url, "audit", "witness", "check", "--state", str(lab)],
            env=client_env,
        )
        assert witnessed.exit_code == 0, witnessed.output
        vouched = verify_log(world.events).witnessed
        assert [w.witness for w in vouched] == [Witness(lab).state().cosigner.name]
        assert sorted(p.name for p in client_home.iterdir()) == ["server-token"]
        # the vendor's operator, on their own machine, runs a mandate the director signed
        vendor_home = tmp_path / "vendor"
        vendor_env = {"SCEAU_HOME": str(vendor_home), "SCEAU_SERVER_CA": str(cert)}
        mandate = world.signed_mandate(destination=f"sqlite:///{tmp_path / 'new-lis.db'}")
        operator = runner.invoke(
            main,
            ["--server", url, "login", "op.durand", "--password-stdin"],
            input=PASSWORD + "\n",
            env=vendor_env,
        )
        assert operator.exit_code == 0, operator.output
        # the operator scans the old software's data where it is; the report goes to the service
        scanned = runner.invoke(
            main,
            ["--server", url, "scan", str(world.source), "--lab", LAB_A],
            env=vendor_env,
        )
        assert scanned.exit_code == 0, scanned.output
        assert "The service keeps the report as scan 1" in scanned.output
        not_theirs = runner.invoke(
            main, ["--server", url, "scan", str(world.source), "--lab", "690000017"], env=vendor_env
        )
        assert not_theirs.exit_code != 0
        assert "does not let op.durand hand in a scan for this lab" in not_theirs.output
        moved = runner.invoke(main, ["--server", url, "migrate", str(mandate)], env=vendor_env)
        assert moved.exit_code == 0, moved.output
        assert "shredded" in moved.output
        assert (tmp_path / "new-lis.db").exists()
        assert sorted(p.name for p in vendor_home.iterdir()) == ["server-token"]
        assert runner.invoke(main, ["--server", url, "logout"], env=vendor_env).exit_code == 0
        out = runner.invoke(main, ["--server", url, "logout"], env=client_env)
        assert out.exit_code == 0, out.output
        assert not token_file.exists()
        refused = runner.invoke(main, ["--server", url, "runs", "list"], env=client_env)
        assert refused.exit_code == 2
        assert "nobody is logged in" in refused.output
    finally:
        server.send_signal(signal.SIGTERM)
        stdout, stderr = server.communicate(timeout=60)
    assert server.returncode == 0, stderr.decode()
    assert f"listening on {url}" in stdout.decode()
    assert "stopped" in stdout.decode()
    assert "--allow-no-mfa" in stderr.decode()  # loudly
    names = [
        e.name
        for e in world.events.read(
            names={"service.started", "service.stopped", "auth.token_created", "auth.token_revoked"}
        )
    ]
    assert names == [
        "service.started",
        "auth.token_created",  # the director's laptop
        "auth.token_created",  # the vendor's machine
        "auth.token_revoked",
        "auth.token_revoked",
        "service.stopped",
    ]


def test_serve_refuses_a_network_address_without_tls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    everywhere = "0.0.0.0"  # noqa: S104  (refused, never bound)
    refused = CliRunner().invoke(main, ["serve", "--host", everywhere])
    assert refused.exit_code == 2
    assert "refusing to listen on 0.0.0.0 without TLS" in refused.output
    proxied = CliRunner().invoke(main, ["serve", "--host", everywhere, "--behind-proxy"])
    assert proxied.exit_code == 2
    assert "trusted_proxy" in proxied.output
