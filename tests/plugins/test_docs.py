"""The docs cannot drift from the registries: docs/plugins.md shows each kind's group and example,
docs/categories.md each of sceau's categories with its sensitivity, and the scan schema the
sensitivities and health categories sceau writes."""

from __future__ import annotations

import re
from pathlib import Path

from tests.plugins.installed import ENTRY_POINTS, EXAMPLES

from sceau.detect.base import Category, HealthCategory, Sensitivity
from sceau.reports.json import report_schema

DOCS = Path(__file__).parents[2] / "docs"


def test_plugins_page_names_every_group_and_points_at_every_example() -> None:
    page = (DOCS / "plugins.md").read_text()
    for group, entries in ENTRY_POINTS.items():
        assert f"`{group}`" in page, f"docs/plugins.md: add the group {group} to the table"
        module = next(iter(entries.values())).split(":")[0]
        link = f"(../tests/plugins/examples/{module}.py)"
        assert link in page, f"docs/plugins.md: link the example {module}.py"
    examples = {path.stem for path in EXAMPLES.glob("*.py")} - {"__init__"}
    assert examples == {
        target.split(":")[0] for e in ENTRY_POINTS.values() for target in e.values()
    }


def test_categories_page_lists_each_category_with_its_sensitivity() -> None:
    rows = re.findall(r"^\| `([A-Z_]+)` \| (\w+) \|", (DOCS / "categories.md").read_text(), re.M)
    documented = dict(rows)
    declared = {str(category): category.sensitivity.value for category in Category}
    assert documented == declared, (
        "docs/categories.md's table of column categories differs from the categories declared "
        "in src/sceau/detect/base.py: update the one that is wrong"
    )


def test_scan_schema_enumerates_the_sensitivities_and_health_categories() -> None:
    definitions = report_schema("scan")["$defs"]
    assert definitions["sensitivity"]["enum"] == [s.value for s in Sensitivity], (
        "update the sensitivity enum of src/sceau/reports/schemas/scan.schema.json"
    )
    assert definitions["health_category"]["enum"] == [h.value for h in HealthCategory], (
        "update the health_category enum of src/sceau/reports/schemas/scan.schema.json"
    )
