"""The curated public surface: everything exported exists, nothing private leaks in."""

import sceau

EXPECTED = {
    "Category",
    "ColumnFinding",
    "Detector",
    "HealthCategory",
    "ReportFormat",
    "ScanOptions",
    "ScanReport",
    "SceauError",
    "Sensitivity",
    "Source",
    "SourceError",
    "Subject",
    "Table",
    "TableScan",
    "__version__",
    "open_source",
    "render",
    "scan",
    "write_report",
    # migration, loaded on first use
    "KeyProvider",
    "Mandate",
    "MandateError",
    "MigrationReport",
    "MigrationSession",
    "RunOutcome",
    "Settings",
    "Target",
    "TargetTable",
    "VerifiedMandate",
    "load_settings",
    "load_verified",
    "open_provider",
    "open_target",
    "parse_mandate",
    "verify_certificate",
}


def test_all_is_the_curated_list():
    assert set(sceau.__all__) == EXPECTED


def test_every_exported_name_exists_and_says_where_it_lives():
    for name in sceau.__all__:
        member = getattr(sceau, name)
        if name != "__version__":
            assert member.__module__.startswith("sceau."), name
            assert member.__doc__, f"{name} has no docstring"


def test_the_version_is_the_packages():
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    assert tomllib.loads(pyproject.read_text())["project"]["version"] == sceau.__version__
