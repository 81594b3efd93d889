"""The Prometheus metrics, read from a real SQLite state store and scraped over real HTTP."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, insert

from sceau.alerts.metrics import MetricsError, metrics_text, serve_metrics
from sceau.alerts.model import Severity, State
from sceau.audit.entry import encode
from sceau.cli import main
from sceau.cli.metrics import metrics
from sceau.errors import SceauError
from sceau.events import AuditVerificationFailed, AuditVerified, Event, RunStarted
from sceau.store import open_store
from sceau.store.schema import (
    alerts,
    audit_checkpoints,
    audit_entries,
    audit_head,
    checkpoints,
    runs,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SEAL = b"\x00" * 32


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_store(f"sqlite:///{tmp_path}/state.db")
    yield engine
    engine.dispose()


def samples(text: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample, keyed by its name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text.decode())
        for sample in family.samples
    }


def add_run(engine: Engine, run_id: str, status: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(runs).values(
                run_id=run_id,
                mandate_sha256="0" * 64,
                actor="op.durand",
                status=status,
                source="folder",
                destination="sqlite:///lis.db",
                key_id=f"key-{run_id}",
                key_provider="local",
                staging_path="/tmp/staging",
                started_at=NOW,
                retention_until=NOW + timedelta(days=30),
            )
        )


def add_checkpoint(engine: Engine, run_id: str, phase: str, batch: int, rows: int, refused=0):
    with engine.begin() as connection:
        connection.execute(
            insert(checkpoints).values(
                run_id=run_id,
                phase=phase,
                batch=batch,
                rows=rows,
                refused_rows=refused,
                digest="ab" * 32,
                at=NOW,
            )
        )


def add_alert(engine: Engine, severity: Severity, state: State) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(alerts).values(
                rule="failed-auth",
                key="user:op.durand",
                severity=severity.value,
                state=state.value,
                summary="three failed logins",
                facts={},
                raised_at=NOW,
                last_seen=NOW,
            )
        )


def log(engine: Engine, *events: Event) -> None:
    with engine.begin() as connection:
        start = connection.execute(audit_entries.select()).all()
        for seq, event in enumerate(events, start=len(start)):
            connection.execute(
                insert(audit_entries).values(
                    seq=seq,
                    at_us=round(event.at.timestamp() * 1_000_000),
                    name=event.name,
                    entry=encode(seq, event),
                    seal=SEAL,
                )
            )


def test_an_empty_store_shows_every_series_at_zero(engine: Engine):
    found = samples(metrics_text(engine))
    for status in ("staging", "loading", "verifying", "verified", "shredded", "failed"):
        assert found[("sceau_runs", (("status", status),))] == 0
    for severity in Severity:
        for state in State:
            labels = (("severity", severity.value), ("state", state.value))
            assert found[("sceau_alerts", labels)] == 0
    assert found[("sceau_rows_moved_total", ())] == 0
    assert found[("sceau_rows_refused_total", ())] == 0
    assert found[("sceau_audit_entries", ())] == 0
    assert found[("sceau_audit_checkpoints", ())] == 0
    names = {name for name, _ in found}
    assert "sceau_audit_last_verification_timestamp_seconds" not in names
    assert "sceau_audit_last_verification_ok" not in names


def test_the_figures_are_the_stores(engine: Engine):
    add_run(engine, "run-a", "verified")
    add_run(engine, "run-b", "verified")
    add_run(engine, "run-c", "failed")
    add_checkpoint(engine, "run-a", "staged", 0, 100, refused=3)
    add_checkpoint(engine, "run-a", "staged", 1, 50, refused=2)
    add_checkpoint(engine, "run-a", "loaded", 0, 100)
    add_checkpoint(engine, "run-a", "loaded", 1, 50)
    add_checkpoint(engine, "run-b", "loaded", 0, 7)
    add_alert(engine, Severity.CRITICAL, State.OPEN)
    add_alert(engine, Severity.CRITICAL, State.OPEN)
    add_alert(engine, Severity.LOW, State.RESOLVED)
    with engine.begin() as connection:
        for number in (1, 2):
            connection.execute(
                insert(audit_checkpoints).values(
                    number=number, size=number, root="ab" * 32, at=NOW, body="b", signature="s"
                )
            )
    log(engine, *(RunStarted(actor="op.durand", run_id=f"r{i}", mandate_sha256="0" * 64,
                             source="folder", destination="db") for i in range(3)))  # fmt: skip

    found = samples(metrics_text(engine))
    assert found[("sceau_runs", (("status", "verified"),))] == 2
    assert found[("sceau_runs", (("status", "failed"),))] == 1
    assert found[("sceau_runs", (("status", "staging"),))] == 0
    assert found[("sceau_rows_moved_total", ())] == 157
    assert found[("sceau_rows_refused_total", ())] == 5
    assert found[("sceau_alerts", (("severity", "critical"), ("state", "open")))] == 2
    assert found[("sceau_alerts", (("severity", "low"), ("state", "resolved")))] == 1
    assert found[("sceau_alerts", (("severity", "low"), ("state", "open")))] == 0
    assert found[("sceau_audit_entries", ())] == 3
    assert found[("sceau_audit_checkpoints", ())] == 2


def test_the_head_gives_the_audit_size_when_present(engine: Engine):
    log(engine, RunStarted(actor="a", run_id="r", mandate_sha256="0", source="s", destination="d"))
    with engine.begin() as connection:
        connection.execute(insert(audit_head).values(id=1, size=41, frontier=SEAL, seal=SEAL))
    assert samples(metrics_text(engine))[("sceau_audit_entries", ())] == 41


def test_the_last_verification_is_the_latest_by_position(engine: Engine):
    passed = NOW - timedelta(hours=2)
    failed = NOW - timedelta(hours=1)
    log(engine, AuditVerified(actor="aud.petit", size=0, checkpoints=0, at=passed))
    found = samples(metrics_text(engine))
    assert found[("sceau_audit_last_verification_timestamp_seconds", ())] == passed.timestamp()
    assert found[("sceau_audit_last_verification_ok", ())] == 1

    log(
        engine,
        AuditVerificationFailed(actor="sceau", position="entry 0", reason="seal", at=failed),
        RunStarted(actor="a", run_id="r", mandate_sha256="0", source="s", destination="d"),
    )
    found = samples(metrics_text(engine))
    assert found[("sceau_audit_last_verification_timestamp_seconds", ())] == failed.timestamp()
    assert found[("sceau_audit_last_verification_ok", ())] == 0


def test_served_over_http_and_shut_down(engine: Engine):
    add_run(engine, "run-a", "shredded")
    server = serve_metrics(engine, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.server_port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            body = response.read()
        assert samples(body)[("sceau_runs", (("status", "shredded"),))] == 1
        add_run(engine, "run-b", "shredded")  # read at scrape time, not cached
        with urllib.request.urlopen(url, timeout=5) as response:
            assert samples(response.read())[("sceau_runs", (("status", "shredded"),))] == 2
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)


def test_a_taken_port_is_a_plain_error(engine: Engine):
    first = serve_metrics(engine, "127.0.0.1", 0)
    try:
        with pytest.raises(MetricsError, match="cannot serve the metrics") as caught:
            serve_metrics(engine, "127.0.0.1", first.server_port)
        assert "--serve" in caught.value.hint
    finally:
        first.shutdown()
        first.server_close()


# --- sceau metrics --------------------------------------------------------------------------

ADMIN = "chief: a long admin passphrase"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SCEAU_STORE_URL", "SCEAU_CONFIG", "SCEAU_SESSION_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_the_command_prints_the_figures_to_a_logged_in_person(home: Path):
    runner = CliRunner()
    add = ["users", "add", "boss", "--role", "admin", "--password-stdin"]
    assert runner.invoke(main, add, input=ADMIN + "\n").exit_code == 0
    refused = runner.invoke(metrics, [])
    assert isinstance(refused.exception, SceauError)
    assert "nobody is logged in" in str(refused.exception)
    login = ["login", "boss", "--password-stdin"]
    assert runner.invoke(main, login, input=ADMIN + "\n").exit_code == 0
    shown = runner.invoke(metrics, [], catch_exceptions=False)
    assert shown.exit_code == 0
    assert samples(shown.stdout.encode())[("sceau_runs", (("status", "verified"),))] == 0


@pytest.mark.parametrize("address", ["9464", "localhost", "localhost:http", ":9464", "h:99999"])
def test_a_bad_serve_address_is_refused_before_anything_runs(home: Path, address: str):
    result = CliRunner().invoke(metrics, ["--serve", address])
    assert result.exit_code == 2
    assert "HOST:PORT" in result.output
