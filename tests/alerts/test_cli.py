"""``sceau alerts run | list | ack | resolve`` as the on-call people meet them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.alerts.servers import Inbox

from sceau.accounts import PasswordParams, Role, add_user, login
from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.config import load_settings
from sceau.events import MandateRefused
from sceau.store import open_store

PASSWORD = "a long enough test passphrase"
CHEAP = PasswordParams(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server: tuple[Inbox, int]) -> Path:
    for name in ("SCEAU_STORE_URL", "SCEAU_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("SCEAU_HOME", str(home))
    home.mkdir()
    (home / "config.toml").write_text(
        f"""
[alerts.email]
host = "127.0.0.1"
port = {smtp_server[1]}
sender = "sceau@vendor.example"

[alerts.rules.off-hours]  # these tests are not about the time of day they run at
start = "00:00"
end = "24:00"
days = "mon-sun"

[[alerts.tiers]]
name = "on-call operator"
notify = ["email:oncall@vendor.example"]
ack_minutes = 15
"""
    )
    settings = load_settings()
    engine = open_store(settings.store)
    log = AuditLog.from_settings(settings, engine)
    add_user(engine, log, "admin", Role.ADMIN, PASSWORD, by="admin", params=CHEAP)
    add_user(engine, log, "otto", Role.OPERATOR, PASSWORD, by="admin", params=CHEAP)
    add_user(engine, log, "audrey", Role.AUDITOR, PASSWORD, by="admin", params=CHEAP)
    log.record(MandateRefused(actor="otto", mandate_sha256="ab" * 32, reason="bad-signature"))
    engine.dispose()
    return home


def as_user(name: str) -> None:
    settings = load_settings()
    engine = open_store(settings.store)
    login(settings, engine, AuditLog.from_settings(settings, engine), name, PASSWORD, params=CHEAP)
    engine.dispose()


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_run_raises_and_emails_then_people_answer(home: Path, smtp_server) -> None:
    inbox, _ = smtp_server
    as_user("admin")
    ran = run("alerts", "run", "--once")
    assert ran.exit_code == 0, ran.output
    assert "raised alert 1 (high)" in ran.output
    assert "told email:oncall@vendor.example" in ran.output
    assert [e.rcpt_tos for e in inbox.envelopes] == [["oncall@vendor.example"]]

    listed = run("alerts", "list", "--json")
    (alert,) = json.loads(listed.output)
    assert (alert["rule"], alert["state"], alert["severity"]) == ("beyond-mandate", "open", "high")

    as_user("audrey")  # auditors read, they do not answer
    assert run("alerts", "list").exit_code == 0
    refused = run("alerts", "ack", "1")
    assert refused.exit_code == 2
    assert "auditor" in refused.output

    as_user("otto")  # the alert is about otto: someone else answers it
    own = run("alerts", "ack", "1")
    assert own.exit_code == 2
    assert "about otto's own actions" in own.output

    as_user("admin")
    assert run("alerts", "ack", "1").exit_code == 0
    again = run("alerts", "ack", "1")
    assert again.exit_code == 2
    assert "already acknowledged (by admin)" in again.output
    assert run("alerts", "resolve", "1", "--why", "short").exit_code == 2
    leaky = run("alerts", "resolve", "1", "--why", "patient NIR 1 85 05 78 006 084 91 called")
    assert leaky.exit_code == 2
    assert "looks like a patient's identifier" in leaky.output
    done = run("alerts", "resolve", "1", "--why", "a signature test by the vendor, agreed")
    assert done.exit_code == 0
    shown = run("alerts", "show", "1")
    assert "resolved by admin" in shown.output
    assert "why: a signature test by the vendor, agreed" in shown.output
    assert run("alerts", "list").output.strip() == "No alert needs attention."
    assert "resolved" in run("alerts", "list", "--all").output


def test_run_refuses_a_policy_naming_an_unknown_channel(home: Path) -> None:
    config = home / "config.toml"
    config.write_text(config.read_text().replace("email:oncall", "webhook:oncall"))
    as_user("admin")
    result = run("alerts", "run", "--once")
    assert result.exit_code == 2
    assert "webhook, which is not configured" in result.output


def test_only_an_admin_runs_the_loop(home: Path) -> None:
    as_user("otto")
    result = run("alerts", "run", "--once")
    assert result.exit_code == 2
    assert "alerts.run" in result.output or "not allowed" in result.output
