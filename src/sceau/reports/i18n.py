"""Reports in the reader's language: French for a French lab's DPO, English otherwise.

Every word a report or the terminal shows around the data lives in one catalogue per language,
``reports/locales/<lang>.toml``; both hold the same keys (a test checks), so a report can never
be half translated. A key whose value is a table ``{one, other}`` is a plural, chosen by the
count's language rule (French takes the singular for 0 and 1). Values are filled in from names
and counts sceau computed; a value from the data never reaches a catalogue string.

French is typeset as it is printed in France: the catalogue is written with ordinary spaces,
and the space before ``:`` and inside « » becomes a no-break space, the one before ``;``, ``!``
and ``?`` a narrow no-break space, so a line never starts with the punctuation.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from sceau.reports.report import ReportError


class Language(StrEnum):
    """The languages sceau's reports are written in."""

    EN = "en"
    FR = "fr"


_LOCALE_VARIABLES = ("SCEAU_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def default_language(environ: Mapping[str, str] | None = None) -> Language:
    """``SCEAU_LANG`` if set, else the locale's language (``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``): French for ``fr_FR.UTF-8`` and its kin, English for anything else."""
    environ = os.environ if environ is None else environ
    for variable in _LOCALE_VARIABLES:
        value = environ.get(variable, "")
        if value:
            return Language.FR if value.lower().startswith("fr") else Language.EN
    return Language.EN


@dataclass(frozen=True)
class Translator:
    """The words of one language: ``t("scan.heading")``, ``t("unit.row", n=3)``."""

    language: Language
    words: Mapping[str, Any]

    def __call__(self, key: str, /, n: int | None = None, **values: object) -> str:
        text = self.template(key, n)
        if n is not None:
            values["n"] = self.number(n)
        return text.format(**values) if values else text

    def template(self, key: str, n: int | None = None) -> str:
        """The words of ``key`` before any value is filled in: the form that agrees with ``n``."""
        entry = self.words.get(key, _PLUGIN_WORDS.get(key))
        if entry is None:
            raise ReportError(
                f"no words for {key!r} in the {self.language} catalogue",
                hint="this is a bug in sceau: please report it",
                where=f"reports/locales/{self.language}.toml",
            )
        if isinstance(entry, dict):
            entry = entry["one" if self._singular(n) else "other"]
        return str(entry)

    def has(self, key: str) -> bool:
        return key in self.words or key in _PLUGIN_WORDS

    def number(self, value: float) -> str:
        """491,840 in English, 491 840 (with a narrow no-break space) in French."""
        text = f"{value:,.2f}" if isinstance(value, float) and not value.is_integer() else None
        text = text or f"{int(value):,}"
        thousands, decimal = self.words["number.thousands"], self.words["number.decimal"]
        return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)

    def _singular(self, n: int | None) -> bool:
        if n is None:
            return False
        return n in (0, 1) if self.language is Language.FR else n == 1


def translator(language: Language | str | None = None) -> Translator:
    """The catalogue of ``language`` (the default language when None)."""
    chosen = Language(language) if language is not None else default_language()
    return Translator(chosen, _catalogue(chosen))


_PLUGIN_WORDS: dict[str, str] = {}


def add_words(key: str, text: str) -> None:
    """Words a plug-in brings (a category's name and advice), in its own language: every
    language whose catalogue lacks ``key`` uses them."""
    _PLUGIN_WORDS[key] = text


@cache
def _catalogue(language: Language) -> Mapping[str, Any]:
    source = resources.files("sceau.reports").joinpath("locales", f"{language.value}.toml")
    words = _flatten(tomllib.loads(source.read_text(encoding="utf-8")))
    if language is Language.FR:
        return {key: _typeset_french(value) for key, value in words.items()}
    return words


_NO_BREAK, _NARROW_NO_BREAK = "\u00a0", "\u202f"
_BEFORE = re.compile(r" ([:;!?»])")


def _typeset_french(value: Any) -> Any:
    """No line break before ``: ; ! ? »`` nor after ``«``, as French printing has it."""
    if isinstance(value, dict):
        return {form: _typeset_french(text) for form, text in value.items()}
    if not isinstance(value, str):
        return value
    spaced = _BEFORE.sub(lambda m: (_NO_BREAK if m[1] in ":»" else _NARROW_NO_BREAK) + m[1], value)
    return spaced.replace("« ", "«" + _NO_BREAK)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"scan": {"heading": …}}`` → ``{"scan.heading": …}``; plural tables stay whole."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and set(value) != {"one", "other"}:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat
