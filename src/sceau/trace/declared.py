"""The locations where patient data is expected: a sweep does not call a copy there a stray.

They are sceau's own home (its store, index, reports) and staging folder, and the source and
destination of every mandate signed for this installation: the export a mandate names as its
source, the file it names as its destination, are where the data is meant to be.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import SplitResult, urlsplit

from sqlalchemy import Engine, select

from sceau.config import Settings
from sceau.mandate.model import MandateError
from sceau.mandate.parse import parse_mandate
from sceau.store.schema import mandates


@dataclass(frozen=True)
class Declared:
    """Locations a sweep leaves alone: local folders or files, and ``ftp://`` addresses."""

    paths: tuple[Path, ...]
    addresses: tuple[SplitResult, ...]

    @classmethod
    def of(cls, locations: Iterable[str | Path]) -> Declared:
        paths, addresses = [], []
        for location in map(str, locations):
            if "://" in location:
                addresses.append(urlsplit(location))
            elif location:
                paths.append(Path(location).expanduser().resolve())
        return cls(tuple(paths), tuple(addresses))

    def __call__(self, location: str) -> bool:
        """Whether ``location`` is one of the declared locations or lies under one."""
        if "://" in location:
            found = urlsplit(location)
            return any(_under_address(found, declared) for declared in self.addresses)
        path = Path(location).resolve()
        return any(path == declared or path.is_relative_to(declared) for declared in self.paths)


def _under_address(found: SplitResult, declared: SplitResult) -> bool:
    if (found.scheme, found.hostname, found.port) != (
        declared.scheme,
        declared.hostname,
        declared.port,
    ):
        return False
    path, root = PurePosixPath(found.path or "/"), PurePosixPath(declared.path or "/")
    return path == root or path.is_relative_to(root)


def declared_locations(settings: Settings, engine: Engine) -> Declared:
    """sceau's home and staging, and every signed mandate's source and destination."""
    with engine.connect() as connection:
        bodies = connection.execute(select(mandates.c.body)).scalars().all()
    locations: list[str | Path] = [settings.home, settings.staging_root]
    for body in bodies:
        with contextlib.suppress(MandateError):  # stored signed: it parsed when it was signed
            mandate = parse_mandate(body.encode("utf-8"))
            locations += [_without_table(mandate.source), _without_table(mandate.destination)]
    return Declared.of(locations)


def _without_table(location: str) -> str:
    """A mandate's location without the ``#table`` a database address may end with."""
    return location.split("#", 1)[0]
