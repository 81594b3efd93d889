"""``sceau demo`` tells the whole story, bad day included, and shows no patient value."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from sceau.cli import main


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
