"""What the terminal shows of names sceau did not write: no markup, no escapes, no fake lines;
and a reader that stops early (``| head``) ends the command quietly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sceau.accounts import PasswordParams, Role, add_user, login
from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.config import load_settings
from sceau.display import printable
from sceau.store import open_store

PASSWORD = "a password for the output tests"
HOSTILE = [
    "Résultat [/mmol]",  # a closing tag Rich would choke on
    "Poids [kg]",  # a tag Rich would swallow
    "[red on red]hidden[/]",
    "clear\x1b[2Jscreen",
    "two\nlines",
    "bidi\u202etxt.exe",
]


@pytest.fixture(autouse=True)
def logged_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    settings = load_settings()
    engine = open_store(settings.store)
    events = AuditLog.from_settings(settings, engine)
    cheap = PasswordParams(time_cost=1, memory_cost=1024, parallelism=1)
    add_user(engine, events, "admin", Role.ADMIN, PASSWORD, by="admin", params=cheap)
    add_user(engine, events, "op.durand", Role.OPERATOR, PASSWORD, by="admin", params=cheap)
    login(settings, engine, events, "op.durand", PASSWORD, params=cheap)


def _csv(path: Path, names: list[str]) -> Path:
    quoted = ";".join('"' + name.replace('"', '""') + '"' for name in names)
    rows = "\n".join(";".join(f"{i}.5" for _ in names) for i in range(20))
    path.write_text(quoted + "\n" + rows + "\n", encoding="utf-8")
    return path


def _unsafe(text: str) -> list[str]:
    return [ch for ch in text if ch in "\x1b\u202e" or (ord(ch) < 32 and ch not in "\n")]


def test_printable_leaves_nothing_that_moves_the_cursor_or_breaks_a_line():
    for name in HOSTILE:
        shown = printable(name)
        assert not _unsafe(shown)
        assert "\n" not in shown
    assert printable("Poids [kg]") == "Poids [kg]"
    assert printable("x" * 500).endswith("…")


def test_scan_shows_hostile_column_names_literally(tmp_path: Path):
    export = _csv(tmp_path / "export.csv", ["NUM_DOSSIER", *HOSTILE])
    result = CliRunner().invoke(
        main, ["scan", str(export)], env={"COLUMNS": "300"}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Poids [kg]" in result.output
    assert "[red on red]hidden[/]" in result.output
    assert not _unsafe(result.output)
    assert "two lines" in result.output  # a quoted line break in a header becomes a space


def test_an_error_naming_a_hostile_file_stays_on_one_line(tmp_path: Path):
    missing = tmp_path / "a\x1b[2Jb\nc.csv"
    result = CliRunner().invoke(main, ["scan", str(missing)])
    assert result.exit_code == 2
    assert not _unsafe(result.output)
    assert result.output.count("\n") == 1


def _long_mandate(path: Path, columns: int) -> Path:
    names = [f"C{i}" for i in range(columns)]
    lines = [
        'mandate_id = "long"',
        'purpose = "a purpose\\u001b[2J with an escape\\nand a fake line"',
        'legal_reference = "contract"',
        "[controller]",
        'name = "Laboratoire A"',
        'finess = "130000011"',
        "[processor]",
        'name = "Vendor"',
        "[validity]",
        "from = 2026-01-01",
        "until = 2026-12-31",
        "[source]",
        'location = "/data/export.csv"',
        "columns = [" + ", ".join(f'"{n}"' for n in names) + "]",
        "[destination]",
        'location = "sqlite:////data/lis.db"',
        'table = "patients"',
        "[staging]",
        "retention_days = 7",
        "[columns]",
        *(f'{n} = {{ treatment = "keep", detected = "OTHER" }}' for n in names),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_mandate_show_never_lets_its_text_move_the_cursor(tmp_path: Path):
    mandate = _long_mandate(tmp_path / "m.toml", 3)
    result = CliRunner().invoke(main, ["mandate", "show", str(mandate)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not _unsafe(result.output)
    assert "with an escape and a fake line" in result.output.replace("  ", " ")


def test_output_piped_into_head_ends_quietly(tmp_path: Path):
    """``sceau mandate show … | head -2``: the reader leaves early; no internal error."""
    mandate = _long_mandate(tmp_path / "m.toml", 4_000)
    with subprocess.Popen(
        ["head", "-n", "2"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as reader:
        assert reader.stdin is not None
        assert reader.stdout is not None
        sceau = subprocess.run(
            [sys.executable, "-m", "sceau", "mandate", "show", str(mandate)],
            stdout=reader.stdin,
            stderr=subprocess.PIPE,
            check=False,
        )
        reader.stdin.close()
        assert len(reader.stdout.read().splitlines()) == 2
    assert sceau.returncode in (0, 141), sceau.stderr
    assert b"internal error" not in sceau.stderr
    assert b"Error" not in sceau.stderr
