"""What the registries refuse and set aside: twins, a broken plug-in, a misnamed one; and that
no base module imports an implementation (the built-ins come through entry points)."""

from __future__ import annotations

import ast
from importlib.metadata import distribution
from pathlib import Path
from string import ascii_uppercase, digits

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from tests.plugins.installed import ENTRY_POINTS, install

import sceau
from sceau.detect.base import DETECTORS, Category, DetectError, Sensitivity, registered
from sceau.plugins import PluginError, Registry
from sceau.targets import TARGETS, open_target


def test_two_detectors_of_one_name_are_refused_naming_both_distributions(
    examples: Path,
) -> None:
    twin = {"sceau.detectors": {"nir": "blood_group:BloodGroup"}}
    install(examples, twin, distribution="sceau-twin", package="sceau_examples_twin")
    with pytest.raises(PluginError) as refused:
        list(registered())
    message = str(refused.value)
    assert "two detectors are named 'nir'" in message
    assert "(sceau)" in message
    assert "(sceau-twin)" in message
    assert "uninstall one" in message


def test_a_plugin_registered_by_the_program_under_a_taken_name_is_refused(examples: Path) -> None:
    from sceau_examples.json_lines_target import JsonLinesTarget  # type: ignore[import-not-found]

    with pytest.raises(PluginError, match="two targets are named 'jsonlines'"):
        TARGETS.register(JsonLinesTarget)


def test_a_broken_plugin_is_named_and_the_built_ins_still_work(site: Path) -> None:
    broken = {"sceau.targets": {"shaky": "shaky:ShakyTarget"}}
    install(site, broken, distribution="shaky-target", extra={"shaky.py": "import no_such_lib\n"})

    assert "postgresql" in TARGETS
    assert "shaky" not in TARGETS
    (problem,) = TARGETS.broken()
    assert "'shaky'" in problem.message
    assert "'shaky-target'" in problem.message
    assert "ModuleNotFoundError" in problem.message
    with pytest.raises(PluginError, match="could not be loaded: ModuleNotFoundError"):
        TARGETS["shaky"]
    target = open_target("sqlite:///lis.db", _table())
    assert target.kind == "sqlite"


def test_a_misnamed_or_incomplete_plugin_is_set_aside_with_the_reason(site: Path) -> None:
    install(site, {"sceau.targets": {"json": "json_lines_target:JsonLinesTarget"}})
    install(
        site,
        {"sceau.detectors": {"vague": "vague:Vague"}},
        distribution="vague-detector",
        package="sceau_examples_vague",
        extra={"vague.py": VAGUE},
    )
    assert "json" not in TARGETS
    (misnamed,) = TARGETS.broken()
    assert "named 'json' but it calls itself 'jsonlines'" in misnamed.message
    assert [d.name for d in registered()][:1] == ["address"]  # sceau's own still work
    (vague,) = DETECTORS.broken()
    assert "names a category that was not declared" in vague.message
    assert "'vague-detector'" in vague.message


VAGUE = """
from sceau.detect.base import Detector


class Vague(Detector):
    name = "vague"
    category = "SOMETHING"
    pattern = "x"
"""


def test_every_example_is_an_entry_point_of_its_kind(examples: Path) -> None:
    from sceau.alerts.channels import CHANNELS
    from sceau.alerts.rules import RULES
    from sceau.detect.base import DETECTORS
    from sceau.keys import PROVIDERS
    from sceau.sources.base import SOURCES

    registries = {
        "sceau.detectors": DETECTORS,
        "sceau.sources": SOURCES,
        "sceau.targets": TARGETS,
        "sceau.key_providers": PROVIDERS,
        "sceau.alert_channels": CHANNELS,
        "sceau.alert_rules": RULES,
    }
    for group, entries in ENTRY_POINTS.items():
        registry = registries[group]
        (name,) = entries
        (plugin,) = [p for p in registry.plugins() if p.name == name]
        assert plugin.distribution == "sceau-examples"
        assert not plugin.built_in
        assert all(p.built_in for p in registry.plugins()[: len(registry) - 1]) or group == (
            "sceau.sources"  # sources are ordered by sniffing rank first
        )


UPPER_DIGITS = ascii_uppercase + digits + "_"
BASES = [
    "detect/base.py",
    "sources/base.py",
    "targets/base.py",
    "keys/base.py",
    "alerts/channels/base.py",
    "alerts/rules/base.py",
]


@pytest.mark.parametrize("base", BASES)
def test_no_base_module_or_its_package_imports_an_implementation(base: str) -> None:
    implementations = {
        entry.module
        for entry in distribution("sceau").entry_points
        if entry.group != "console_scripts"
    }
    root = Path(sceau.__file__).parent
    for path in (root / base, root / base.replace("base.py", "__init__.py")):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
                imported |= {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
        assert not imported & implementations, f"{path} imports {imported & implementations}"


def _table():
    from sceau.targets import TargetTable

    return TargetTable("patients", ("a",))


def test_a_source_plugin_is_sniffed_by_its_rank_among_sceau_s_own(examples: Path) -> None:
    from sceau.sources.base import SOURCES

    order = list(SOURCES)
    assert order.index("xlsx") < order.index("kv") < order.index("archive") < order.index("csv")
    assert order == sorted(order, key=lambda kind: SOURCES[kind].sniff_rank)


@given(st.text(max_size=12))
def test_a_category_name_is_upper_case_letters_digits_and_underscores(name: str) -> None:
    declared = dict(Category._declared)
    assume(name not in declared)  # sceau's own, declared otherwise
    oracle = bool(name) and name[0] in ascii_uppercase and set(name) <= set(UPPER_DIGITS)
    try:
        if oracle:
            assert Category.declare(name, Sensitivity.PERSONAL, "a test category") == name
            assert Category(name).sensitivity is Sensitivity.PERSONAL
        else:
            with pytest.raises(DetectError, match="upper-case letters"):
                Category.declare(name, Sensitivity.PERSONAL, "a test category")
    finally:
        Category._declared.clear()
        Category._declared.update(declared)


def test_a_kind_without_any_of_sceau_s_own_is_an_installation_error() -> None:
    nothing = Registry("sceau.nothing_here", "widget", name_of=str)
    with pytest.raises(PluginError, match="none of sceau's own widgets is installed"):
        list(nothing)
