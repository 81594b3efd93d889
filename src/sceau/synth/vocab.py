"""The words synthetic patients are made of: French names, communes, streets, providers.

Kept as plain text files under ``synth/data`` (one value per line; communes as
``name;postcode;department``), written from common French usage, not copied from the
detectors' lexicons: the detectors are tested against data they did not see.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def data_lines(name: str) -> tuple[str, ...]:
    """The non-empty lines of ``synth/data/<name>``."""
    text = files("sceau.synth").joinpath("data", name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


SURNAMES = [name.upper() for name in data_lines("surnames.txt")]
MALE_NAMES = list(data_lines("male.txt"))
FEMALE_NAMES = list(data_lines("female.txt"))
COMPOUND_MALE = ["Jean-Pierre", "Jean-Claude", "Jean-Marc", "Jean-Luc", "Pierre-Yves"]
COMPOUND_FEMALE = ["Marie-Claire", "Anne-Sophie", "Marie-Christine", "Marie-Hélène"]
COMMUNES = [tuple(line.split(";")) for line in data_lines("communes.txt")]
STREET_TYPES = list(data_lines("street_types.txt"))
STREET_NAMES = list(data_lines("streets.txt"))
LIEUX_DITS = list(data_lines("lieux_dits.txt"))
EMAIL_PROVIDERS = list(data_lines("email_providers.txt"))
PRACTICE_DOMAINS = list(data_lines("practice_domains.txt"))
PASSWORDS = list(data_lines("passwords.txt"))
