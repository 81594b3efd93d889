"""``sceau demo`` tells the whole story, bad day included, and shows no patient value."""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.config import Settings
from sceau.keys import open_provider
from sceau.migrate.certificate import certificate_public_key, verify_certificate
from sceau.store import open_store


def test_the_demo_tells_the_story_and_the_bad_day(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--patients", "200"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the console folds long lines
    assert "sceau refuses: the mandate was changed after signing" in text
    assert "alert 1 (high): op.durand tried to run a migration under a mandate" in text
    assert "e-mail to oncall@vendor.example: [sceau HIGH] alert 1" in text
    assert "e-mail to rssi@vendor.example: [sceau HIGH] alert 1" in text
    assert "still 2 e-mails in all" in text
    assert "Intact:" in text
    assert "TAMPERED: entry" in text
    # the last act: a reordered, recased, re-encoded slice of lab A turns up and is traced
    assert "9. A file of patients turns up" in text
    assert "200 rows read in 1 table(s); 200 belong to people of 1 recorded reading(s)" in text
    traced = json.loads((out / "trace.json").read_text())
    (source,) = traced["sources"]
    assert source["kind"] == "scan"
    assert source["source"].endswith("lab-a.csv")
    (also,) = traced["also_held_by"]  # the migration read the same export: named too
    assert also["kind"] == "run"
    assert "Also held by reading" in text
    assert (out / "trace.html").exists()

    state = out / "home" / "state.db"
    with sqlite3.connect(state) as connection:
        entries = b"".join(e for (e,) in connection.execute("SELECT entry FROM audit_entries"))
        alerts = repr(connection.execute("SELECT * FROM alerts").fetchall())
        (acked_by,) = connection.execute("SELECT acked_by FROM alerts").fetchone()
    assert acked_by == "rssi.bernard"
    export = pl.read_csv(
        out / "exports" / "lab-a.csv", infer_schema=False, separator=";", encoding="cp1252"
    )
    for column in ("N_SS", "NOM_PAT", "MAIL_PAT", "TEL1"):
        for value in export[column].drop_nulls().unique().to_list()[:200]:
            assert value not in result.output
            assert value.encode() not in entries
            assert value not in alerts

    # the labs can pin the key that signed their certificates, and the keyring stays openable
    reports = out / "reports"
    pinned = (reports / "certificate-key.fingerprint").read_text().strip()
    public = spki_ed25519(reports / "certificate-key.pem")
    assert hashlib.sha256(public).hexdigest() == pinned
    assert "certificate-key.fingerprint" in text
    for lab in ("lab-a", "lab-b"):
        certificate = json.loads((reports / lab / "certificate.json").read_text())
        assert base64.b64decode(certificate["signature"]["public_key"]) == public
        verify_certificate(certificate, fingerprint=pinned)
    saved = out / "home" / "demo-keyring-passphrase"
    assert saved.stat().st_mode & 0o077 == 0
    settings = Settings(home=out / "home", keyring_passphrase=saved.read_text().strip())
    engine, provider = open_store(settings.store), open_provider(settings)
    try:  # the keyring still opens: the installation's key can be asked for again
        events = AuditLog.from_settings(settings, engine)
        assert certificate_public_key(provider, engine, events, actor="t") == public
    finally:
        provider.close()
        engine.dispose()


def spki_ed25519(path: Path) -> bytes:
    """The raw key of an Ed25519 SubjectPublicKeyInfo PEM (RFC 8410: a fixed 12-byte DER head)."""
    lines = path.read_text().split()
    assert lines[:3] == ["-----BEGIN", "PUBLIC", "KEY-----"]
    der = base64.b64decode("".join(lines[3:-3]))
    assert der[:12] == bytes.fromhex("302a300506032b6570032100")
    return der[12:]
