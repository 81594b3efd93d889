"""``sceau audit`` as an auditor, a controller and an admin meet it, on a real state store."""

from __future__ import annotations

import base64
import contextlib
import gc
import hashlib
import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import DBAPIError
from tests.postgres import POSTGRES, schema_url
from tests.test_syslog import parse

from sceau._version import __version__
from sceau.accounts import PasswordParams, Role, add_user, login
from sceau.audit.checkpoint import read_exported
from sceau.audit.key import AuditKey
from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.config import Settings, load_settings
from sceau.crypto.note import Verifier
from sceau.store import open_store

PASSWORD = "correct horse battery staple"
CHEAP = PasswordParams(time_cost=1, memory_cost=1024, parallelism=1)  # tests only
USERS = {
    "admin": Role.ADMIN,
    "aud.bernard": Role.AUDITOR,
    "dr.martin": Role.CONTROLLER,
    "op.durand": Role.OPERATOR,
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def settings() -> Settings:
    return load_settings()  # from the environment the test set up, as the command reads it


@contextlib.contextmanager
def store() -> Iterator[tuple[Settings, Engine, AuditLog]]:
    current = settings()
    engine = open_store(current.store)
    try:
        yield current, engine, AuditLog.from_settings(current, engine)
    finally:
        engine.dispose()


def as_user(name: str) -> None:
    with store() as (current, engine, events):
        login(current, engine, events, name, PASSWORD, params=CHEAP)


def names() -> list[str]:
    with store() as (_, _engine, events):
        return events.names()


def last_event() -> dict[str, object]:
    with store() as (_, _engine, events):
        (event,) = list(events.read(newest_first=True, limit=1))
        return {"name": event.name, "actor": event.actor, **event.payload}


def stored_entries(home: Path) -> list[bytes]:
    """The leaves as the SQLite file holds them, read without sceau."""
    with contextlib.closing(sqlite3.connect(home / "state.db")) as connection:
        rows = connection.execute("SELECT entry FROM audit_entries ORDER BY seq").fetchall()
    return [bytes(entry) for (entry,) in rows]


def copy_database(source: Path, destination: Path) -> None:
    """A consistent copy of a live SQLite database (WAL included), as a backup tool takes it."""
    with (
        contextlib.closing(sqlite3.connect(source)) as reading,
        contextlib.closing(sqlite3.connect(destination)) as writing,
    ):
        reading.backup(writing)


def add_users() -> None:
    with store() as (_, engine, events):
        for name, role in USERS.items():
            add_user(engine, events, name, role, PASSWORD, by="admin", params=CHEAP)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in [n for n in os.environ if n.startswith("SCEAU_")]:
        monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def home(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> Path:
    """An installation on SQLite with one account of each role; nobody logged in."""
    clean_env.setenv("SCEAU_HOME", str(tmp_path / "home"))
    add_users()
    return tmp_path / "home"


# --- verify ---------------------------------------------------------------------------------


def test_an_intact_trail_verifies_and_the_check_is_recorded(home: Path) -> None:
    as_user("aud.bernard")
    size = len(stored_entries(home))

    result = run("audit", "verify")

    assert result.exit_code == 0, result.output
    assert (
        f"Intact: {size} entries, every seal and 1 signed checkpoint agree; the 1 exported "
        "match them." in result.output  # the export is on by default, beside the store
    )
    assert last_event() == {
        "name": "audit.verified",
        "actor": "aud.bernard",
        "size": size,
        "checkpoints": 1,
    }


def test_an_edited_entry_is_named_and_the_failure_recorded(home: Path) -> None:
    as_user("aud.bernard")
    entries = stored_entries(home)
    seq = next(i for i, e in enumerate(entries) if b'"user":"op.durand"' in e)
    with contextlib.closing(sqlite3.connect(home / "state.db")) as connection, connection:
        connection.execute(
            "UPDATE audit_entries SET entry = ? WHERE seq = ?",
            (entries[seq].replace(b'"role":"operator"', b'"role":"admin"'), seq),
        )

    result = run("audit", "verify")

    assert result.exit_code == 1, result.output
    assert f"TAMPERED: entry {seq}: altered" in result.output
    assert "Keep a copy of the database as it is now" in result.output
    assert last_event() == {
        "name": "audit.verification_failed",
        "actor": "aud.bernard",
        "position": f"entry {seq}",
        "reason": "altered: its content, time or name changed, or it was inserted or moved here",
    }


def test_a_store_rolled_back_is_caught_by_the_exported_checkpoints(
    home: Path, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    exported = tmp_path / "elsewhere" / "checkpoints.jsonl"
    clean_env.setenv("SCEAU_AUDIT_EXPORT", str(exported))
    as_user("aud.bernard")
    signed = run("audit", "checkpoint")  # the trail predates its export: this starts it
    assert signed.exit_code == 0, signed.output
    assert signed.output.startswith("Checkpoint 2 signed: ")
    assert run("audit", "checkpoint").output == "Nothing new since the last checkpoint.\n"
    assert [c.number for c in read_exported(exported)] == [1, 2]  # 1 was caught up with 2
    copy_database(home / "state.db", tmp_path / "yesterday.db")
    assert run("audit", "verify").exit_code == 0
    assert run("audit", "checkpoint").output.startswith("Checkpoint 3 signed: ")

    copy_database(tmp_path / "yesterday.db", home / "state.db")  # the DBA restores a backup

    rolled = run("audit", "verify", "--checkpoints", str(exported))
    assert rolled.exit_code == 1, rolled.output
    assert (
        "TAMPERED: entry 5: missing: exported checkpoint 3 covers 6 entries, the log holds 5 "
        "(tail cut or store rolled back)" in rolled.output
    )
    assert (
        "also: checkpoint 3: it was exported but is missing from the store: the store was "
        "rolled back" in rolled.output
    )
    assert names()[-1] == "audit.verification_failed"
    by_default = run("audit", "verify")  # audit_export names the same file
    assert by_default.exit_code == 1
    assert "the store was rolled back" in by_default.output
    clean_env.setenv("SCEAU_AUDIT_EXPORT", "off")
    alone = run("audit", "verify")  # the store alone cannot tell: why checkpoints leave it
    assert alone.exit_code == 0, alone.output
    missing = run("audit", "verify", "--checkpoints", str(tmp_path / "nowhere.jsonl"))
    assert missing.exit_code == 2
    assert "cannot read the exported checkpoints (No such file or directory)" in missing.output


def test_an_export_that_cannot_be_written_is_an_error_and_is_caught_up_once_fixed(
    home: Path, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    exported = tmp_path / "checkpoints.jsonl"
    exported.mkdir()  # unwritable, whoever runs the test
    clean_env.setenv("SCEAU_AUDIT_EXPORT", str(exported))
    as_user("aud.bernard")

    refused = run("audit", "checkpoint")

    assert refused.exit_code == 2
    assert f"error: {exported}: cannot publish the audit checkpoint (" in refused.output
    assert "the action stopped; fix the export file (audit_export) and try again" in refused.output
    exported.rmdir()
    caught_up = run("audit", "checkpoint")  # never started: nothing new, and the file starts
    assert caught_up.output == "Nothing new since the last checkpoint.\n"
    assert [c.number for c in read_exported(exported)] == [1, 2]
    assert run("audit", "verify").exit_code == 0
    exported.unlink()
    gone = run("audit", "checkpoint")  # started: a missing file is never made up again
    assert gone.exit_code == 2
    assert "file of exported checkpoints is missing" in gone.output
    tampered = run("audit", "verify")
    assert tampered.exit_code == 1
    assert "TAMPERED: exported checkpoints: missing" in tampered.output


# --- reading: tail, show, export ------------------------------------------------------------


def test_tail_and_show(home: Path) -> None:
    as_user("dr.martin")
    entries = stored_entries(home)

    tail = run("audit", "tail", "-n", "3")
    assert tail.exit_code == 0, tail.output
    lines = tail.output.splitlines()
    assert len(lines) == 3
    assert lines[-1].split()[0] == str(len(entries) - 1)
    assert lines[-1].split()[4:7] == ["dr.martin", "auth.login", "user=dr.martin"]
    assert "user.added" in lines[0]
    assert len(run("audit", "tail").output.splitlines()) == len(entries)  # fewer than 20

    shown = run("audit", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == json.loads(entries[1])
    assert json.loads(shown.output)["payload"] == {"role": "auditor", "user": "aud.bernard"}
    absent = run("audit", "show", "999")
    assert absent.exit_code == 2
    assert "there is no entry 999 in the audit trail" in absent.output
    assert "sceau audit tail" in absent.output


def test_export_writes_the_stored_leaves_byte_for_byte(home: Path, tmp_path: Path) -> None:
    as_user("aud.bernard")
    entries = stored_entries(home)

    out = run("audit", "export")
    assert out.exit_code == 0, out.output
    assert out.stdout_bytes == b"".join(entry + b"\n" for entry in entries)

    written = run("audit", "export", "--out", str(tmp_path / "trail.jsonl"))
    assert written.exit_code == 0, written.output
    assert f"Wrote {len(entries)} entries to" in written.output
    assert (tmp_path / "trail.jsonl").read_bytes() == out.stdout_bytes
    assert (tmp_path / "trail.jsonl").stat().st_mode & 0o777 == 0o600

    later = run("audit", "export", "--after", "2")
    assert later.stdout_bytes == b"".join(entry + b"\n" for entry in entries[3:])


class _TcpCollector:
    """A syslog collector on loopback reading RFC 6587 octet-counted frames until EOF."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"tcp://127.0.0.1:{self.server.getsockname()[1]}"
        self.received = b""
        self.thread = threading.Thread(target=self._accept)
        self.thread.start()

    def _accept(self) -> None:
        self.server.settimeout(10)
        connection, _ = self.server.accept()
        with connection:
            while chunk := connection.recv(65536):
                self.received += chunk

    def messages(self) -> list[bytes]:
        self.thread.join(timeout=10)
        self.server.close()
        found, rest = [], self.received
        while rest:
            length, rest = rest.split(b" ", 1)
            found.append(rest[: int(length)])
            rest = rest[int(length) :]
        return found


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_export_to_a_syslog_collector_on_loopback(home: Path, transport: str) -> None:
    as_user("aud.bernard")
    entries = stored_entries(home)
    if transport == "udp":
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
            collector.bind(("127.0.0.1", 0))
            collector.settimeout(10)
            address = f"udp://127.0.0.1:{collector.getsockname()[1]}"
            result = run("audit", "export", "--syslog", address)
            messages = [collector.recv(65536) for _ in entries]
    else:
        tcp = _TcpCollector()
        address = tcp.address
        result = run("audit", "export", "--syslog", address)
        messages = tcp.messages()

    assert result.exit_code == 0, result.output
    assert f"Sent {len(entries)} entries to {address}." in result.output
    assert len(messages) == len(entries)
    for entry, raw in zip(entries, messages, strict=True):
        parsed = parse(raw)
        event = json.loads(entry)
        assert parsed["pri"] == 13 * 8 + 6  # log audit, informational
        assert (parsed["app"], parsed["msgid"]) == ("sceau", event["name"])
        assert parsed["structured"] == {"origin": {"software": "sceau", "swVersion": __version__}}
        assert str(parsed["message"]).removeprefix("\ufeff").encode() == entry


def test_export_to_a_collector_that_is_not_there_is_a_plain_error(home: Path) -> None:
    as_user("aud.bernard")
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    result = run("audit", "export", "--syslog", f"tcp://127.0.0.1:{port}")
    assert result.exit_code == 2
    assert f"could not send to the syslog collector tcp://127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


# --- inclusion proofs -----------------------------------------------------------------------


def test_a_proof_checks_against_the_pinned_key_and_refuses_any_change(
    home: Path, tmp_path: Path
) -> None:
    as_user("dr.martin")
    shown = run("audit", "key", "--out", str(tmp_path / "audit.pub"))
    assert shown.exit_code == 0, shown.output
    verifier = shown.stdout.strip()
    name, key_hash, encoded = verifier.split("+", 2)
    public = serialization.load_pem_public_key((tmp_path / "audit.pub").read_bytes())
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert base64.b64decode(encoded) == b"\x01" + raw
    assert key_hash == hashlib.sha256(name.encode() + b"\n\x01" + raw).digest()[:4].hex()
    printed = run("audit", "key", "--format", "fingerprint").stdout
    assert printed == f"Audit key fingerprint (SHA-256): {hashlib.sha256(raw).hexdigest()}\n"

    entries = stored_entries(home)
    seq = next(i for i, e in enumerate(entries) if b'"user":"op.durand"' in e)
    proof = tmp_path / "entry.tlog-proof"
    made = run("audit", "prove", str(seq), "--out", str(proof))
    assert made.exit_code == 0, made.output
    text = proof.read_text()
    lines = text.split("\n")
    assert lines[:3] == [
        "c2sp.org/tlog-proof@v1",
        f"extra {base64.b64encode(entries[seq]).decode()}",  # one entry, and no other's content
        f"index {seq}",
    ]
    assert f"\n\n{name}\n" in text  # the checkpoint note, after the hashes…
    assert f"\n\n\u2014 {name} " in text  # …signed under the origin's name
    assert run("logout").exit_code == 0  # checking needs no account

    checked = run("audit", "check-proof", str(proof), "--key", verifier)
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith(f"Included: entry {seq} (user.added by admin, ")
    unpinned = run("audit", "check-proof", str(proof))  # a proof pins nothing by itself
    assert unpinned.exit_code == 2
    assert "--key" in unpinned.output

    def check(text: str, key: str = verifier) -> Result:
        changed = tmp_path / "changed.tlog-proof"
        changed.write_text(text)
        result = run("audit", "check-proof", str(changed), "--key", key)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        return result

    edited = entries[seq].replace(b'"operator"', b'"admin"')
    refused = check(text.replace(lines[1], f"extra {base64.b64encode(edited).decode()}"))
    assert f"error: entry {seq} is not in the log the checkpoint signs" in refused.output
    other_key = verifier.replace(encoded, base64.b64encode(b"\x01" + bytes(32)).decode())
    assert "does not match its name and key" in check(text, other_key).output
    other = str(Verifier(name, AuditKey.generate().public_bytes))
    assert "the proof's checkpoint is not signed by the key you pinned" in check(text, other).output
    size = text.split("\n\n", 1)[1].split("\n")[1]
    resized = text.replace(f"\n{size}\n", f"\n{int(size) + 1}\n")
    assert "is not signed by the key you pinned" in check(resized).output
    assert "not a proof sceau wrote" in check(text.replace("index", "position")).output
    assert "JSON form of sceau before" in check('{"format": "sceau-audit-inclusion-proof"}').output


def test_a_consistency_proof_links_two_checkpoints_and_refuses_any_change(
    home: Path, tmp_path: Path
) -> None:
    as_user("aud.bernard")
    verifier = run("audit", "key").stdout.strip()
    assert run("audit", "checkpoint").output.startswith("Checkpoint 2 signed: ")
    as_user("dr.martin")  # the login is a new entry
    assert run("audit", "checkpoint").output.startswith("Checkpoint 3 signed: ")
    proof = tmp_path / "consistency.txt"
    made = run("audit", "prove-consistency", "1", "3", "--out", str(proof))
    assert made.exit_code == 0, made.output
    text = proof.read_text()
    assert text.startswith("sceau.audit/consistency-proof@v1\n")
    assert run("logout").exit_code == 0

    checked = run("audit", "check-consistency", str(proof), "--key", verifier)
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("Consistent: checkpoint 3 (")
    assert "extends checkpoint 1 (1 entries)" in checked.output

    hashes = text.split("\n\n", 1)[0].split("\n")[1:]
    assert hashes, "a proof from 1 entry to more holds hashes"
    flipped = base64.b64encode(bytes(32)).decode()
    (tmp_path / "changed.txt").write_text(text.replace(hashes[0], flipped))
    refused = run("audit", "check-consistency", str(tmp_path / "changed.txt"), "--key", verifier)
    assert refused.exit_code == 2
    assert "checkpoint 3 does not extend checkpoint 1" in refused.output
    assert "Traceback" not in refused.output

    as_user("aud.bernard")
    backwards = run("audit", "prove-consistency", "3", "1")
    assert backwards.exit_code == 2
    assert "the old checkpoint must come before the new one" in backwards.output
    missing = run("audit", "prove-consistency", "1", "40")
    assert missing.exit_code == 2
    assert "there is no checkpoint 40" in missing.output


def test_proving_an_entry_that_does_not_exist_is_a_plain_error(home: Path) -> None:
    as_user("aud.bernard")
    result = run("audit", "prove", "999")
    assert result.exit_code == 2
    assert "there is no entry 999 in the audit trail" in result.output


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "command", "action", "needed"),
    [
        ("op.durand", ["verify"], "audit.read", "controller or auditor or admin"),
        ("op.durand", ["export"], "audit.read", "controller or auditor or admin"),
        ("op.durand", ["prove", "0"], "audit.read", "controller or auditor or admin"),
        ("aud.bernard", ["lockdown", "--role", "sceau_service"], "audit.lockdown", "admin"),
    ],
)
def test_a_role_without_the_right_is_refused_and_the_refusal_recorded(
    home: Path, user: str, command: list[str], action: str, needed: str
) -> None:
    as_user(user)
    result = run("audit", *command)
    assert result.exit_code == 2
    assert f"`{action}` needs the {needed} role; {user} is" in result.output
    assert result.stdout_bytes == b""
    assert last_event() == {
        "name": "auth.denied",
        "actor": user,
        "command": action,
        "reason": f"role {USERS[user]} not allowed",
    }


def test_nobody_logged_in_is_refused(home: Path) -> None:
    result = run("audit", "tail")
    assert result.exit_code == 2
    assert "sceau login" in result.output
    assert names()[-1] == "auth.denied"


# --- lockdown -------------------------------------------------------------------------------


def test_lockdown_on_sqlite_says_what_protects_the_trail_instead(home: Path) -> None:
    as_user("admin")
    result = run("audit", "lockdown", "--role", "sceau_service")
    assert result.exit_code == 2
    assert "error: lockdown needs a PostgreSQL state store; this one is sqlite" in result.output
    assert "audit_export" in result.output
    assert "SCEAU_STORE_URL" in result.output


@pytest.fixture
def postgres_home(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> Iterator[tuple[Engine, str]]:
    """An installation whose state store is a PostgreSQL schema of its own; yields the server
    engine and a role name unique to the test, both cleaned up afterwards."""
    role = f"sceau_svc_{uuid4().hex[:12]}"
    server = create_engine(POSTGRES)
    with schema_url("sceau_cli") as url:
        clean_env.setenv("SCEAU_HOME", str(tmp_path / "home"))
        clean_env.setenv("SCEAU_STORE_URL", url)
        try:
            add_users()
            yield server, role
        finally:
            gc.collect()  # the commands' engines: a command's process ends, the test's does not
            with server.begin() as connection:
                exists = connection.exec_driver_sql(
                    "SELECT 1 FROM pg_roles WHERE rolname = %(role)s", {"role": role}
                ).first()
                if exists:
                    connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
                    connection.exec_driver_sql(f'DROP ROLE "{role}"')
            server.dispose()


@pytest.mark.filterwarnings("ignore:.*was deleted while still open:ResourceWarning")
def test_lockdown_on_postgresql_locks_the_tables_and_grants_a_service_role(
    postgres_home: tuple[Engine, str],
) -> None:
    _, role = postgres_home
    as_user("admin")

    result = run("audit", "lockdown", "--role", role)

    assert result.exit_code == 0, result.output
    assert f"role {role} may add and read entries, never change them" in result.output
    assert run("audit", "lockdown", "--role", role).exit_code == 0  # again: harmless
    with store() as (_, engine, _events), engine.begin() as connection:
        rights = {
            (table, right): connection.exec_driver_sql(
                "SELECT has_table_privilege(%(role)s, %(table)s, %(right)s)",
                {"role": role, "table": table, "right": right},
            ).scalar_one()
            for table in ("audit_entries", "audit_checkpoints")
            for right in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
        }
        triggers = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'sceau_append_only%%' "
            "AND tgrelid IN ('audit_entries'::regclass, 'audit_checkpoints'::regclass)"
        ).scalar_one()
    assert {key for key, granted in rights.items() if granted} == {
        (table, right)
        for table in ("audit_entries", "audit_checkpoints")
        for right in ("SELECT", "INSERT")
    }
    assert triggers == 4
    with store() as (_, engine, _events):
        with pytest.raises(DBAPIError) as refused, engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM audit_entries")  # even as the owner
        assert refused.value.orig.sqlstate == "42501"  # type: ignore[union-attr]
    assert run("audit", "verify").exit_code == 0


def test_out_of_range_positions_and_unwritable_outputs_are_one_line(
    home: Path, tmp_path: Path
) -> None:
    as_user("aud.bernard")
    for args in (
        ("audit", "show", "99999999999999999999"),
        ("audit", "tail", "-n", "-5"),
        ("audit", "key", "--out", str(tmp_path / "no" / "such" / "key.pem")),
        ("audit", "export", "--out", str(tmp_path / "no" / "such" / "trail.jsonl")),
    ):
        result = run(*args)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output
        assert "internal error" not in result.output
