"""``sceau mfa`` and ``sceau login`` with a second factor, as a person meets them.

The authenticator app is played by the test: when the command reads the code's line, the test
reads the secret the command just stored (with the installation's MFA key) and answers with the
code of the next unused step, as an app would show it. No clock is patched, nothing sleeps.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from sceau.accounts import totp
from sceau.accounts.mfa_key import load_mfa_key
from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.cli.mfa import qr_code
from sceau.config import load_settings
from sceau.store import open_store
from sceau.store.schema import audit_entries, mfa_factors, sessions

BOSS = "chief: a long admin passphrase"
OPERATOR = "operator: violet staple horse"
CODE = re.compile(r"^\s+\d+\. ([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})$", re.MULTILINE)


class Lines(io.RawIOBase):
    """Standard input whose lines are made only when the command reads them."""

    def __init__(self, *lines: str | Callable[[], str]) -> None:
        self.lines = list(lines)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        if not self.lines or len(buffer) == 0:
            return 0
        item = self.lines.pop(0)
        data = (item() if callable(item) else item).encode() + b"\n"
        buffer[: len(data)] = data
        return len(data)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SCEAU_STORE_URL", "SCEAU_CONFIG", "SCEAU_REQUIRE_MFA", "SCEAU_MFA_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def run(*args: str, input: str | io.RawIOBase | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def store(home: Path):
    return open_store(load_settings({"SCEAU_HOME": str(home)}).store)


def app(home: Path, user: str = "boss") -> Callable[[], str]:
    """What the authenticator app shows: the code of the next step the store has not seen."""

    def code() -> str:
        engine = store(home)
        try:
            with engine.connect() as connection:
                row = connection.execute(
                    select(mfa_factors)
                    .where(mfa_factors.c.user == user, mfa_factors.c.kind == "totp")
                    .order_by(mfa_factors.c.factor_id.desc())
                ).first()
        finally:
            engine.dispose()
        assert row is not None
        secret = load_mfa_key(home / "mfa.key", create=False).open_secret(user, row.secret)
        current = totp.step_at(datetime.now(UTC))
        step = max(current - 1, -1 if row.last_step is None else row.last_step + 1)
        assert step <= current + 1, "the test used more codes than a minute allows"
        return totp.code_at(secret, step)

    return code


def events(home: Path) -> list[tuple[str, dict[str, object]]]:
    settings = load_settings({"SCEAU_HOME": str(home)})
    engine = open_store(settings.store)
    try:
        return [(e.name, e.payload) for e in AuditLog.from_settings(settings, engine).read()]
    finally:
        engine.dispose()


def test_enrol_log_in_with_the_app_then_with_recovery_codes_then_remove(home):
    run("users", "add", "boss", "--role", "admin", "--password-stdin", input=BOSS)
    first = run("login", "boss", "--password-stdin", input=BOSS)
    assert first.exit_code == 0, first.output
    assert "No second factor is enrolled" in first.output
    assert "sceau mfa totp" in first.output

    enrolled = run(
        "mfa", "totp", "--label", "phone", "--password-stdin", input=Lines(BOSS, app(home))
    )
    assert enrolled.exit_code == 0, enrolled.output
    [uri] = re.findall(r"^otpauth://totp/\S+$", enrolled.output, re.MULTILINE)
    assert "issuer=sceau" in uri
    assert re.search(r"Enrolled 'phone' as factor \d+ for boss\.", enrolled.output)
    assert "sceau mfa recovery" in enrolled.output

    listed = run("mfa", "list", "--json")
    assert listed.exit_code == 0
    assert '"kind": "totp"' in listed.output
    assert '"label": "phone"' in listed.output

    run("logout")
    wrong = run("login", "boss", "--password-stdin", input=Lines(BOSS, "12-34-5x"))
    assert wrong.exit_code == 2
    assert "6 digits of your authenticator app, or a recovery code" in wrong.output
    missing = run("login", "boss", "--password-stdin", input=Lines(BOSS, ""))
    assert missing.exit_code == 2
    assert "needs a second factor" in missing.output
    assert run("whoami").exit_code == 2

    logged = run("login", "boss", "--password-stdin", input=Lines(BOSS, app(home)))
    assert logged.exit_code == 0, logged.output
    assert "No second factor" not in logged.output
    engine = store(home)
    with engine.connect() as connection:
        factor = connection.execute(select(mfa_factors.c.factor_id)).scalar_one()
        assert connection.execute(select(sessions.c.mfa)).scalar_one() == factor
    engine.dispose()

    issued = run("mfa", "recovery", "--password-stdin", input=Lines(BOSS, app(home)))
    assert issued.exit_code == 0, issued.output
    codes = CODE.findall(issued.output)
    assert len(codes) == 10

    run("logout")
    rescued = run("login", "boss", "--password-stdin", input=Lines(BOSS, codes[0].upper()))
    assert rescued.exit_code == 0, rescued.output
    assert "You used a recovery code; 9 left." in rescued.output
    reused = run("login", "boss", "--password-stdin", input=Lines(BOSS, codes[0]))
    assert reused.exit_code == 2
    assert "wrong or was already used" in reused.output

    removed = run("mfa", "remove", str(factor), "--password-stdin", input=Lines(BOSS, codes[1]))
    assert removed.exit_code == 0, removed.output
    assert f"Removed factor {factor}." in removed.output
    assert "recovery codes are removed too" in removed.output
    assert "no second factor left" in removed.output
    assert "has no second factor" in run("mfa", "list").output
    plain = run("login", "boss", "--password-stdin", input=BOSS)  # no code asked any more
    assert plain.exit_code == 0, plain.output

    names = [name for name, _ in events(home)]
    for name in (
        "mfa.enrolled",
        "mfa.verified",
        "mfa.recovery_issued",
        "mfa.recovery_used",
        "mfa.removed",
        "auth.reauthenticated",
    ):
        assert name in names
    failures = [p["reason"] for n, p in events(home) if n == "auth.login_failed"]
    assert failures == [
        "second factor: malformed code",
        "second factor: no second factor given",
        "second factor: wrong or used recovery code",
    ]
    assert [p["remaining"] for n, p in events(home) if n == "mfa.recovery_used"] == [9, 8]
    secret = uri.split("secret=")[1].split("&")[0]
    engine = store(home)
    with engine.connect() as connection:
        trail = str(connection.execute(select(audit_entries.c.entry)).all())
    engine.dispose()
    for text in (secret, *codes, BOSS):
        assert text not in trail
    for result in (first, logged, rescued, removed, listed):
        assert secret not in result.output


def test_with_require_mfa_an_account_without_a_factor_enrols_before_its_first_login(
    home, monkeypatch
):
    run("users", "add", "boss", "--role", "admin", "--password-stdin", input=BOSS)
    monkeypatch.setenv("SCEAU_REQUIRE_MFA", "true")
    refused = run("login", "boss", "--password-stdin", input=BOSS)
    assert refused.exit_code == 2
    assert "requires a second factor" in refused.output
    assert "sceau mfa totp --user boss" in refused.output

    anonymous = run("mfa", "totp", "--password-stdin", input=BOSS)
    assert anonymous.exit_code == 2
    assert "nobody is logged in" in anonymous.output

    wrong = run("mfa", "totp", "--user", "boss", "--password-stdin", input="not the password")
    assert wrong.exit_code == 2
    assert "login refused" in wrong.output

    enrolled = run(
        "mfa", "totp", "--user", "boss", "--password-stdin", input=Lines(BOSS, app(home))
    )
    assert enrolled.exit_code == 0, enrolled.output
    logged = run("login", "boss", "--password-stdin", input=Lines(BOSS, app(home)))
    assert logged.exit_code == 0, logged.output
    recorded = events(home)
    assert ("mfa.failed", {"user": "boss", "kind": "password", "reason": "wrong password"}) in (
        recorded
    )
    assert (
        "auth.login_failed",
        {"user": "boss", "reason": "second factor: second factor not enrolled"},
    ) in recorded


def test_a_wrong_enrolment_code_is_asked_again_then_refused(home):
    run("users", "add", "boss", "--role", "admin", "--password-stdin", input=BOSS)
    run("login", "boss", "--password-stdin", input=BOSS)
    again = run("mfa", "totp", "--password-stdin", input=Lines(BOSS, "abc", app(home)))
    assert again.exit_code == 0, again.output
    assert "try again" in again.output
    failed = run("mfa", "totp", "--password-stdin", input=Lines(BOSS, app(home), "1", "2", "3"))
    assert failed.exit_code == 2
    assert "6 digits" in failed.output
    listed = run("mfa", "list", "--json").output
    assert listed.count('"kind": "totp"') == 1  # the failed enrolment left no factor


def test_the_qr_code_is_drawn_with_blocks():
    drawn = qr_code("otpauth://totp/sceau:boss?secret=JBSWY3DPEHPK3PXP&issuer=sceau")
    lines = drawn.splitlines()
    assert len(lines) > 10
    assert len({len(line) for line in lines if line}) == 1  # a square, line after line
    assert set(drawn) & set("█▀▄")


def test_an_admin_resets_the_factors_of_someone_who_lost_everything(home):
    run("users", "add", "boss", "--role", "admin", "--password-stdin", input=BOSS)
    run("login", "boss", "--password-stdin", input=BOSS)
    run("users", "add", "op.one", "--role", "operator", "--password-stdin", input=OPERATOR)
    run("login", "op.one", "--password-stdin", input=OPERATOR)
    mine = run("mfa", "totp", "--password-stdin", input=Lines(OPERATOR, app(home, "op.one")))
    assert mine.exit_code == 0, mine.output
    denied = run("mfa", "reset", "boss", "--password-stdin", input=OPERATOR)
    assert denied.exit_code == 2
    assert "`users.manage` needs the admin role" in denied.output

    run("login", "boss", "--password-stdin", input=BOSS)
    reset = run("mfa", "reset", "op.one", "--password-stdin", input=BOSS)
    assert reset.exit_code == 0, reset.output
    assert "Removed 1 second factor(s) of op.one" in reset.output
    again = run("login", "op.one", "--password-stdin", input=OPERATOR)
    assert again.exit_code == 0, again.output
    assert "No second factor is enrolled" in again.output
    removed = [(e, p) for e, p in events(home) if e == "mfa.removed"]
    assert [p["user"] for _, p in removed] == ["op.one"]
