"""``sceau sessions``, ``sceau passwd``, ``sceau users policy`` and ``users sessions`` as a
person meets them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.cli.test_accounts_cli import BOSS, OPERATOR, event_names

from sceau.accounts import login
from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.config import load_settings
from sceau.store import open_store

NEW = "operator: a brand new passphrase"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SCEAU_STORE_URL", "SCEAU_CONFIG", "SCEAU_SESSION_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    run("users", "add", "boss", "--role", "admin", "--password-stdin", input=BOSS)
    run("login", "boss", "--password-stdin", input=BOSS)
    run("users", "add", "op.one", "--role", "operator", "--password-stdin", input=OPERATOR)
    return tmp_path / "home"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def login_elsewhere(home: Path, name: str, password: str) -> None:
    """A session of ``name`` from another terminal: same store and trail, another session file."""
    settings = load_settings({"SCEAU_HOME": str(home)})
    engine = open_store(settings.store)
    try:
        events = AuditLog.from_settings(settings, engine)
        elsewhere = replace(settings, home=home / "elsewhere", store_url=settings.store)
        login(elsewhere, engine, events, name, password)
    finally:
        engine.dispose()


def test_the_policy_is_shown_to_all_and_changed_by_an_admin(home):
    shown = run("users", "policy", "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == {
        "idle_minutes": 30,
        "absolute_minutes": 720,
        "changed_by": None,
        "changed_at": None,
    }
    changed = run("users", "policy", "--idle-minutes", "15", "--absolute-minutes", "480")
    assert changed.exit_code == 0, changed.output
    assert "15 minutes unused, and 480 minutes after login" in changed.output
    assert "Set by boss" in changed.output
    capped = run("users", "policy", "--idle-minutes", "15", "--absolute-minutes", "5000")
    assert capped.exit_code == 2
    assert "at most 1440 minutes" in capped.output
    half = run("users", "policy", "--idle-minutes", "15")
    assert half.exit_code == 2
    assert "give both" in half.output

    run("login", "op.one", "--password-stdin", input=OPERATOR)
    assert "15 minutes unused" in run("users", "policy").output
    denied = run("users", "policy", "--idle-minutes", "600", "--absolute-minutes", "1440")
    assert denied.exit_code == 2
    assert "needs the admin role" in denied.output
    assert "auth.session_policy_changed" in event_names(home)


def test_a_person_lists_and_ends_their_sessions(home):
    run("login", "op.one", "--password-stdin", input=OPERATOR)
    login_elsewhere(home, "op.one", OPERATOR)

    listed = run("sessions", "--json")
    assert listed.exit_code == 0, listed.output
    sessions = json.loads(listed.output)["sessions"]
    assert [s["current"] for s in sessions] == [True, False]
    assert {s["user"] for s in sessions} == {"op.one"}
    assert {s["address"] for s in sessions} == {"local"}
    assert "this one" in run("sessions").output

    assert run("sessions", "end").exit_code == 2  # which ones?
    ended = run("sessions", "end", "--others")
    assert ended.output == "Ended 1 session.\n"
    assert len(json.loads(run("sessions", "--json").output)["sessions"]) == 1

    gone = run("sessions", "end", "--all")
    assert gone.output == "Ended 1 session.\n"
    assert not (home / "session").exists()
    assert "nobody is logged in" in run("whoami").output
    assert event_names(home).count("auth.session_ended") == 2


def test_an_admin_lists_and_ends_another_accounts_sessions(home):
    login_elsewhere(home, "op.one", OPERATOR)

    listed = run("users", "sessions", "op.one", "--json")
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.output)["sessions"]) == 1
    ended = run("users", "sessions", "op.one", "--end")
    assert ended.output == "Ended 1 session of op.one.\n"
    assert json.loads(run("users", "sessions", "op.one", "--json").output)["sessions"] == []


def test_passwd_changes_the_password_and_ends_the_other_sessions(home):
    run("login", "op.one", "--password-stdin", input=OPERATOR)
    wrong = run("passwd", "--password-stdin", input=f"not my password\n{NEW}\n")
    assert wrong.exit_code == 2
    assert "login refused" in wrong.output
    blank = run("passwd", "--password-stdin", input=f"{OPERATOR}\n{' ' * 14}\n")
    assert blank.exit_code == 2
    assert "only blanks" in blank.output
    prompted = run("passwd", input=f"{OPERATOR}\n{NEW}\n{NEW}\n")
    assert prompted.exit_code == 0, prompted.output
    assert "Password changed for op.one." in prompted.output
    for result in (wrong, blank, prompted):
        assert OPERATOR not in result.output
        assert NEW not in result.output
    assert run("whoami").exit_code == 0  # this session goes on
    assert run("login", "op.one", "--password-stdin", input=OPERATOR).exit_code == 2
    assert run("login", "op.one", "--password-stdin", input=NEW).exit_code == 0
    assert "auth.password_changed" in event_names(home)


def test_a_look_alike_name_is_refused(home):
    for name in ("OP.ONE", "0p.one"):
        refused = run("users", "add", name, "--role", "auditor", "--password-stdin", input=NEW)
        assert refused.exit_code == 2
        assert "looks like an existing account" in refused.output


def test_an_admin_resets_a_forgotten_password(home):
    given = "given by the admin, once"
    reset = run("users", "reset-password", "op.one", "--password-stdin", input=given + "\n")
    assert reset.exit_code == 0, reset.output
    assert "they choose their own at their next login" in reset.output
    assert given not in reset.output
    assert run("login", "op.one", "--password-stdin", input=given).exit_code == 0
    refused = run("runs", "list")
    assert refused.exit_code == 2
    assert "run `sceau passwd`" in refused.output
    assert run("passwd", "--password-stdin", input=f"{given}\n{NEW}\n").exit_code == 0
    assert run("runs", "list").exit_code == 0
    assert "auth.password_reset" in event_names(home)
