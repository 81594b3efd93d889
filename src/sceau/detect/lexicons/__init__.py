"""Word lists the value detectors compare against, shipped as package data.

One entry a line, UTF-8; blank lines and lines starting with ``#`` are skipped. Loaded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from sceau.detect.base import DetectError


@dataclass(frozen=True)
class Commune:
    """One French commune: its name as written, a postcode, its department code."""

    name: str
    postcode: str
    department: str


def _lines(name: str) -> list[str]:
    try:
        text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DetectError(
            f"lexicon {name} is missing",
            hint="reinstall sceau: the package data was not installed",
            where=f"sceau/detect/lexicons/{name}",
        ) from None
    stripped = (line.strip() for line in text.splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


@cache
def load_words(name: str) -> tuple[str, ...]:
    """The entries of ``<name>.txt`` (e.g. "first_names", "surnames", "common_passwords")."""
    return tuple(_lines(f"{name}.txt"))


@cache
def load_communes() -> tuple[Commune, ...]:
    """The communes of ``communes.txt``: name, postcode and department, tab separated."""
    communes = []
    for number, line in enumerate(_lines("communes.txt"), start=1):
        fields = line.split("\t")
        if len(fields) != 3:
            raise DetectError(
                "a commune entry does not have 3 tab-separated fields",
                hint="write name, postcode and department separated by tabs",
                where=f"sceau/detect/lexicons/communes.txt, entry {number}",
            )
        communes.append(Commune(*fields))
    return tuple(communes)
