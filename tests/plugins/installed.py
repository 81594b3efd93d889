"""The example plug-ins of tests/plugins/examples as a real installed distribution.

A folder holding the package and its ``*.dist-info`` (METADATA, entry_points.txt) is what pip
leaves in site-packages; put on ``sys.path``, importlib.metadata finds it as it would there.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from sceau.cli.plugins import REGISTRIES
from sceau.detect.base import Category

EXAMPLES = Path(__file__).parent / "examples"
PACKAGE = "sceau_examples"

# group -> entry point name -> module:object, as the example distribution declares them
ENTRY_POINTS: dict[str, dict[str, str]] = {
    "sceau.detectors": {"blood_group": "blood_group:BloodGroup"},
    "sceau.sources": {"kv": "key_value:KeyValueSource"},
    "sceau.targets": {"jsonlines": "json_lines_target:JsonLinesTarget"},
    "sceau.key_providers": {"folder-keys": "folder_keys:FolderKeys"},
    "sceau.alert_channels": {"file": "file_channel:FileChannel"},
    "sceau.alert_rules": {"refusals": "refusals:Refusals"},
}


def install(
    site: Path,
    entry_points: Mapping[str, Mapping[str, str]],
    *,
    distribution: str = "sceau-examples",
    package: str = PACKAGE,
    extra: Mapping[str, str] | None = None,
) -> None:
    """Write ``distribution`` into ``site``: the examples as ``package``, plus ``extra`` files."""
    folder = site / package
    shutil.copytree(EXAMPLES, folder)
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)
    info = site / f"{distribution.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
    lines = []
    for group, entries in entry_points.items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {package}.{target}" for name, target in entries.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh site folder on ``sys.path``; the registries forget what they loaded, before and
    after, and the categories the plug-ins declared are forgotten with them."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    categories = dict(Category._declared)
    for registry in REGISTRIES:
        registry.clear()
    yield folder
    for registry in REGISTRIES:
        registry.clear()
    Category._declared.clear()
    Category._declared.update(categories)
    for module in [name for name in sys.modules if name.split(".")[0].startswith(PACKAGE)]:
        del sys.modules[module]


@pytest.fixture
def examples(site: Path) -> Path:
    """The examples installed as the distribution ``sceau-examples``."""
    install(site, ENTRY_POINTS)
    return site
