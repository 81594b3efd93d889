"""HTML: one self-contained, escaped page with the summary in plain words at the top."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from sceau.detect.base import Category, Subject
from sceau.detect.report import ScanReport, TableScan
from sceau.reports.html import render_html, when
from sceau.reports.i18n import translator

from .conftest import STARTED, column, sample_report


class _Tags(HTMLParser):
    """Every tag and attribute of a page, to check what it loads and runs."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_a_column_named_like_a_script_is_escaped():
    report = sample_report()
    report.tables[0].columns[0].name = "<script>alert(1)</script>"
    report.tables[0].columns[0].evidence[0] = type(report.tables[0].columns[0].evidence[0])(
        "header", 'token "><img src=x onerror=alert(1)>', 0.5
    )
    page = render_html(report)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page
    assert not [tag for tag, _ in _tags(page) if tag in {"script", "img"}]


def test_the_page_is_self_contained(report):
    page = render_html(report)
    for tag, attributes in _tags(page):
        assert tag not in {"script", "link", "img", "iframe", "object", "embed"}
        for name, value in attributes.items():
            assert not name.startswith("on")
            assert name not in {"src", "href"} or not value or value.startswith("#")
    assert "@import" not in page
    assert "url(" not in page


def test_the_summary_says_what_was_found_in_plain_words(report):
    text = _text(render_html(report))
    assert "2 files and 1 database table, 247,124 rows, 16 columns." in text
    assert "Special-category health data found in 2 columns." in text
    assert "National identifiers (NIR, INS) in 1 column." in text
    assert "Passwords stored in clear in 1 column." in text
    assert "Password hashes in 1 column." in text
    assert "Counts are partial in 1 source" in text


def test_the_summary_of_a_clean_scan():
    clean = ScanReport(
        tables=[
            TableScan(
                source="results.parquet",
                kind="parquet",
                rows=1,
                columns=[column("code", Category.OTHER, subject=Subject.UNKNOWN)],
            )
        ],
        started_at=STARTED,
    )
    text = _text(render_html(clean))
    assert "1 file, 1 row, 1 column." in text
    assert "No personal data was found." in text
    assert "Special-category" not in text


def test_the_head_says_when_and_which_version(report):
    page = render_html(report)
    title = "Personal and health data found — sceau scan, 2025-03-14 09:30 UTC"
    assert f"<title>{title}</title>" in page
    assert "sceau 0.1.0" in page


def test_every_column_is_listed_with_its_badge_and_counts(report):
    page = render_html(report)
    for table in report.tables:
        assert table.source in page
        for finding in table.columns:
            assert f'<td class="name">{finding.name}</td>' in page
    assert '<span class="badge special">special category</span>' in page
    assert '<span class="badge credential">credential</span>' in page
    text = _text(page)
    assert "HIV 37 cells" in text
    assert "cancer 1,204 cells" in text
    assert "phone numbers 212 cells" in text
    assert "9 99 99 99 999 999 99" in text


def test_evidence_is_collapsible(report):
    page = render_html(report)
    assert page.count("<details>") == sum(len(t.columns) for t in report.tables)
    assert "<summary>2 reasons</summary>" in page


def test_the_page_prints():
    page = render_html(sample_report())
    assert "@media print" in page
    assert "break-inside: avoid" in page


@pytest.mark.parametrize(
    ("value", "expected"), [(0, "0"), (491_840, "491,840"), (2.0, "2"), (0.5, "0.50")]
)
def test_number(value, expected):
    assert translator("en").number(value) == expected


def test_when():
    assert when("2025-03-14T10:30:05+01:00") == "2025-03-14 09:30 UTC"
    assert when("2025-03-14T10:30:05") == "2025-03-14 10:30"
