"""The format dispatch and the atomic, private writer every command uses."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sceau import files
from sceau.reports import (
    Report,
    ReportError,
    ReportFormat,
    SarifReport,
    render,
    write_atomic,
    write_report,
)
from sceau.reports.sarif import Level, SarifResult, SarifRule


class _Exploding:
    """A report whose rendering fails halfway: nothing may reach the disk."""

    kind = "scan"

    def to_dict(self):
        raise RuntimeError("boom")

    def sarif_results(self):
        raise RuntimeError("boom")


class _Audit:
    """A later command's report: it plugs in through the protocol alone."""

    kind = "audit"

    def to_dict(self):
        return {"report": "audit", "entries": 3}


class _AuditWithSarif(_Audit):
    def sarif_results(self):
        rule = SarifRule(id="sceau/audit/GAP", name="GAP", short_description="s", help="h")
        return [SarifResult(rule=rule, level=Level.ERROR, message="a gap", source="audit.db")]


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_formats_are_the_three_options():
    assert [f.value for f in ReportFormat] == ["json", "html", "sarif"]


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_render_gives_text_in_every_format(report, fmt):
    text = render(report, fmt)
    assert text.endswith("\n")
    assert "COMMENTAIRE_1" in text


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_write_report_writes_what_render_gives_with_mode_0600(report, fmt, tmp_path):
    target = tmp_path / f"scan.{fmt.value}"
    assert write_report(report, fmt, target) == target
    assert target.read_text(encoding="utf-8") == render(report, fmt)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _files(tmp_path) == [target.name]


def test_overwriting_a_readable_report_makes_it_private(report, tmp_path):
    target = tmp_path / "scan.json"
    target.write_text("old")
    target.chmod(0o644)
    write_report(report, ReportFormat.JSON, str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text(encoding="utf-8").startswith("{")


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_a_rendering_error_leaves_no_file(fmt, tmp_path):
    target = tmp_path / "scan.out"
    with pytest.raises(RuntimeError):
        write_report(_Exploding(), fmt, target)
    assert _files(tmp_path) == []


def test_a_rendering_error_keeps_the_previous_report(tmp_path):
    target = tmp_path / "scan.json"
    target.write_text("previous")
    with pytest.raises(RuntimeError):
        write_report(_Exploding(), ReportFormat.JSON, target)
    assert target.read_text() == "previous"
    assert _files(tmp_path) == ["scan.json"]


def test_a_failed_write_removes_its_temporary_file(tmp_path, monkeypatch):
    def full_disk(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(ReportError) as caught:
        write_atomic(tmp_path / "scan.json", b"{}")
    assert "No space left on device" in str(caught.value)
    assert caught.value.where == str(tmp_path / "scan.json")
    assert _files(tmp_path) == []


def test_an_interrupted_write_removes_its_temporary_file(tmp_path, monkeypatch):
    def interrupted(source, destination):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "scan.json", b"{}")
    assert _files(tmp_path) == []


def test_a_missing_folder_is_a_clear_error(report, tmp_path):
    target = tmp_path / "nowhere" / "scan.json"
    with pytest.raises(ReportError, match="folder does not exist") as caught:
        write_report(report, ReportFormat.JSON, target)
    assert caught.value.hint
    assert caught.value.where == str(target)


def test_a_folder_as_target_is_a_clear_error(report, tmp_path):
    with pytest.raises(ReportError, match="is a folder"):
        write_report(report, ReportFormat.JSON, tmp_path)


def test_a_folder_it_cannot_write_to_is_a_clear_error(report, tmp_path, monkeypatch):
    def refused(**options):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refused)
    with pytest.raises(ReportError, match="cannot write the report") as caught:
        write_report(report, ReportFormat.JSON, tmp_path / "scan.json")
    assert "Permission denied" in str(caught.value)
    assert _files(tmp_path) == []


def test_later_reports_plug_in_through_the_protocol(tmp_path):
    audit = _Audit()
    assert isinstance(audit, Report)
    assert not isinstance(audit, SarifReport)
    assert isinstance(_AuditWithSarif(), SarifReport)
    write_report(audit, ReportFormat.JSON, tmp_path / "audit.json")
    assert '"entries": 3' in (tmp_path / "audit.json").read_text()


def test_a_report_without_a_sarif_form_says_so(tmp_path):
    with pytest.raises(ReportError, match="audit reports have no SARIF form"):
        write_report(_Audit(), ReportFormat.SARIF, tmp_path / "audit.sarif")
    assert _files(tmp_path) == []


def test_a_report_without_a_template_says_so():
    with pytest.raises(ReportError, match="audit reports have no HTML form"):
        render(_Audit(), ReportFormat.HTML)


def test_a_report_with_sarif_results_is_rendered_from_them():
    text = render(_AuditWithSarif(), ReportFormat.SARIF)
    assert '"ruleId": "sceau/audit/GAP"' in text
