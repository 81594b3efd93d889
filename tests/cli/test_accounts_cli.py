"""``sceau users``, ``login``, ``logout``, ``whoami`` as a person meets them, from bootstrap on."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.config import load_settings
from sceau.store import open_store
from sceau.store.schema import users

BOSS = "chief: a long admin passphrase"
OPERATOR = "operator: violet staple horse"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SCEAU_STORE_URL", "SCEAU_CONFIG", "SCEAU_SESSION_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def event_names(home: Path) -> list[str]:
    settings = load_settings({"SCEAU_HOME": str(home)})
    engine = open_store(settings.store)
    try:
        return AuditLog.from_settings(settings, engine).names()
    finally:
        engine.dispose()


def test_bootstrap_login_add_logout(home):
    refused = run("users", "add", "boss", "--role", "operator", "--password-stdin", input=BOSS)
    assert refused.exit_code == 2
    assert "the first account must be an admin" in refused.output

    added = run("users", "add", "boss", "--role", "admin", "--password-stdin", input=BOSS + "\n")
    assert added.exit_code == 0, added.output
    assert "Added boss, the first account (admin)." in added.output
    assert "sceau login boss" in added.output

    nobody = run("whoami")
    assert nobody.exit_code == 2
    assert "nobody is logged in" in nobody.output

    logged = run("login", "boss", "--password-stdin", input=BOSS + "\n")
    assert logged.exit_code == 0, logged.output
    assert "Logged in as boss (admin) until" in logged.output
    assert stat.S_IMODE((home / "session").stat().st_mode) == 0o600

    who = run("whoami")
    assert who.exit_code == 0
    assert who.output.startswith("boss (admin), session ends ")
    assert "(in 29 min)" in who.output or "(in 30 min)" in who.output  # the idle limit

    prompted = run("users", "add", "op.one", "--role", "operator", input=f"{OPERATOR}\n" * 2)
    assert prompted.exit_code == 0, prompted.output
    assert "Added op.one (operator)" in prompted.output
    assert OPERATOR not in prompted.output
    assert re.search(
        r"Enrolment code for op\.one: [0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}\n", prompted.output
    )

    listed = run("users", "list")
    assert listed.exit_code == 0
    assert "boss" in listed.output
    assert "op.one" in listed.output
    assert "operator" in listed.output

    assert run("logout").output == "Logged out.\n"
    after = run("whoami")
    assert after.exit_code == 2
    assert "sceau login NAME" in after.output
    assert run("logout").output == "Nobody was logged in.\n"

    anonymous = run("users", "add", "x.y", "--role", "auditor", "--password-stdin", input=BOSS)
    assert anonymous.exit_code == 2
    assert "nobody is logged in" in anonymous.output

    for text in (added, logged, who, prompted, listed):
        assert BOSS not in text.output
    assert event_names(home) == [
        "user.added",
        "mfa.enrolment_code_issued",  # for the service: the first factor's enrolment
        "auth.login",
        "user.added",
        "mfa.enrolment_code_issued",
        "auth.session_ended",  # the logout
        "auth.denied",
    ]


def test_an_operator_cannot_manage_accounts(home):
    run("users", "add", "boss", "--role", "admin", "--password-stdin", input=BOSS)
    run("login", "boss", "--password-stdin", input=BOSS)
    run("users", "add", "op.one", "--role", "operator", "--password-stdin", input=OPERATOR)
    assert run("login", "op.one", "--password-stdin", input=OPERATOR).exit_code == 0

    denied = run("users", "disable", "boss")
    assert denied.exit_code == 2
    assert "`users.manage` needs the admin role; op.one is operator" in denied.output

    listed = run("users", "list")  # reading who has which role is a report
    assert listed.exit_code == 0

    run("login", "boss", "--password-stdin", input=BOSS)
    disabled = run("users", "disable", "op.one")
    assert disabled.exit_code == 0
    assert "Disabled op.one" in disabled.output
    assert "disabled" in run("users", "list").output

    again = run("login", "op.one", "--password-stdin", input=OPERATOR)
    assert again.exit_code == 2
    assert "login refused" in again.output
    assert OPERATOR not in again.output


def test_password_rules_and_a_wrong_password_are_plain_errors(home):
    short = run("users", "add", "boss", "--role", "admin", "--password-stdin", input="tiny-pw-9\n")
    assert short.exit_code == 2
    assert "shorter than 12 characters" in short.output
    assert "tiny-pw-9" not in short.output

    empty = run("users", "add", "boss", "--role", "admin", "--password-stdin", input="")
    assert empty.exit_code == 2
    assert "no password on stdin" in empty.output

    run("users", "add", "boss", "--role", "admin", "--password-stdin", input=BOSS)
    wrong = run("login", "boss", "--password-stdin", input="not the right passphrase")
    assert wrong.exit_code == 2
    assert "login refused" in wrong.output
    assert "not the right passphrase" not in wrong.output
    assert "auth.login_failed" in event_names(home)


def test_a_store_emptied_of_its_accounts_does_not_make_a_new_first_admin(home):
    # an insider who can write the store deletes every account, then bootstraps themself
    added = run("users", "add", "boss", "--role", "admin", "--password-stdin", input=BOSS + "\n")
    assert added.exit_code == 0, added.output
    engine = open_store(load_settings({"SCEAU_HOME": str(home)}).store)
    try:
        with engine.begin() as connection:
            connection.execute(users.delete())
    finally:
        engine.dispose()
    taken = run("users", "add", "mallory", "--role", "admin", "--password-stdin", input=BOSS + "\n")
    assert taken.exit_code == 2
    assert "the audit trail shows accounts made before" in taken.output
    assert "restore the state store" in taken.output
    assert event_names(home).count("user.added") == 1


def test_an_admin_issues_a_new_enrolment_code_that_replaces_the_old(home):
    run("users", "add", "boss", "--role", "admin", "--password-stdin", input=BOSS)
    run("login", "boss", "--password-stdin", input=BOSS)
    added = run("users", "add", "op.one", "--role", "operator", "--password-stdin", input=OPERATOR)
    first = re.search(r"Enrolment code for op\.one: (\S+)", added.output)
    again = run("users", "enrolment-code", "op.one")
    assert again.exit_code == 0, again.output
    second = re.search(r"Enrolment code for op\.one: (\S+)", again.output)
    assert first is not None
    assert second is not None
    assert first.group(1) != second.group(1)
    missing = run("users", "enrolment-code", "no.one")
    assert missing.exit_code == 2
    assert "there is no account no.one" in missing.output
    issued = [name for name in event_names(home) if name == "mfa.enrolment_code_issued"]
    assert len(issued) == 3  # the first admin's, op.one's, and the new one
