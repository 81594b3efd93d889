"""A signed destination names one place: the same rows land in the same table whoever starts the
run and wherever. A relative path, or a database URL that leaves its server or database to the
environment, is refused before anything connects."""

from __future__ import annotations

import pytest

from sceau.targets import TargetError, TargetTable, open_target

TABLE = TargetTable("patients", ("value",))


@pytest.mark.parametrize(
    "location",
    [
        "sqlite:////srv/lis.db",
        "postgresql://lis@db.lab.example:5432/lis",
        "postgresql://lis@/lis?host=/var/run/postgresql",  # a socket folder, named in full
        "mariadb://lis@db.lab.example:3306/lis",
        "/srv/exports/lis.parquet",
        "/srv/exports/lis.fhir",
    ],
)
def test_a_location_that_names_one_place_passes(location: str) -> None:
    with open_target(location, TABLE) as target:
        target.check_place()


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("sqlite:///lis.db", "sqlite:////srv/lis.db"),
        ("sqlite:///~/lis.db", "sqlite:////srv/lis.db"),
        ("postgresql:///lis", "postgresql://user@host:port/database"),
        ("postgresql://lis@db.lab.example", "postgresql://user@host:port/database"),
        ("mariadb:///lis", "mariadb://user@host:port/database"),
        ("exports/lis.parquet", "absolute path"),
        ("~/exports/lis.fhir", "absolute path"),
    ],
)
def test_a_location_that_depends_on_where_the_run_starts_is_refused(
    location: str, words: str
) -> None:
    with open_target(location, TABLE) as target, pytest.raises(TargetError) as refused:
        target.check_place()
    assert words in refused.value.hint
    assert "working directory" in refused.value.message or "server" in refused.value.message
