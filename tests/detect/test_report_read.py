"""A scan report read back from its JSON is the report sceau wrote, and a report from elsewhere
is held to the same bounds: nothing else is taken, and nothing but a clear refusal comes out."""

from __future__ import annotations

import contextlib
import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.migrate.world import make_world

from sceau.detect.report import ScanReport
from sceau.detect.report_read import ScanReportError, read_scan_report
from sceau.detect.scan import scan
from sceau.errors import SceauError


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict:
    world = make_world(tmp_path_factory.mktemp("report"))
    return json.loads(json.dumps(scan([str(world.source)]).to_dict()))


def test_a_report_reads_back_to_the_same_report(written):
    report = read_scan_report(written, where="report.json")
    assert isinstance(report, ScanReport)
    assert report.to_dict() == written
    assert sum(len(t.columns) for t in report.tables) == len(written["sources"][0]["columns"])


def test_an_example_that_is_not_a_shape_is_refused(written):
    forged = copy.deepcopy(written)
    forged["sources"][0]["columns"][0]["example"] = "2 85 05 75 123 456"
    with pytest.raises(ScanReportError) as refused:
        read_scan_report(forged, where="upload")
    assert "not a shape" in refused.value.message
    assert "123" not in str(refused.value)
    assert refused.value.where == "upload: sources[0]: columns[0]: example"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.update(report="migration"), "upload"),
        (lambda r: r["sources"][0].update(rows=-1), "upload: sources[0]"),
        (lambda r: r["sources"][0].update(rows=True), "upload: sources[0]"),
        (lambda r: r["sources"][0]["columns"][0].update(category="NOPE"), "category"),
        (lambda r: r["sources"][0]["columns"][0].update(confidence=1.5), "confidence"),
        (lambda r: r["sources"][0]["columns"][0].update(subject="martian"), "columns[0]"),
        (lambda r: r.update(started_at="yesterday"), "started_at"),
        (lambda r: r.update(started_at="2026-12-08T10:00:00"), "started_at"),
        (lambda r: r["sources"][0].update(source="x" * 5000), "upload: sources[0]"),
    ],
)
def test_each_broken_field_is_named(written, change, field):
    forged = copy.deepcopy(written)
    change(forged)
    with pytest.raises(ScanReportError) as refused:
        read_scan_report(forged, where="upload")
    assert field in refused.value.where


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(document=_JSON)
def test_any_json_is_read_or_refused_plainly(document):
    with contextlib.suppress(SceauError):
        read_scan_report(document, where="upload")


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_mutated_report_is_read_or_refused_plainly(written, data):
    forged = copy.deepcopy(written)
    column = forged["sources"][0]["columns"][0]
    key = data.draw(st.sampled_from(sorted(column)))
    column[key] = data.draw(_JSON)
    refused = _refusal(forged)
    assert refused is None or refused.where.startswith("upload: sources[0]: columns[0]")


def _refusal(document: object) -> SceauError | None:
    try:
        read_scan_report(document, where="upload")
    except SceauError as refused:
        return refused
    return None
