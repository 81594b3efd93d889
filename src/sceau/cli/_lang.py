"""``--lang``: the language a command prints in and writes its documents for people in.

One choice for every command: ``--lang`` if given, else the ``lang`` setting (``SCEAU_LANG`` or
the configuration file), else the locale's (see :mod:`sceau.reports.i18n`). JSON, SARIF and
signed files are for machines and never change with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from sceau.config import Settings, load_settings
from sceau.reports.i18n import Language, Translator, translator

F = TypeVar("F", bound=Callable[..., object])


def lang_option(what: str) -> Callable[[F], F]:
    """The ``--lang en|fr`` option; ``what`` says what it changes, for ``--help``."""
    return click.option(
        "--lang",
        type=click.Choice([language.value for language in Language]),
        help=f"Language of {what} [default: from SCEAU_LANG or the locale].",
    )


def chosen_words(lang: str | None, settings: Settings | None = None) -> Translator:
    """The catalogue a command speaks: ``lang``, else the setting, else the locale's. The
    settings are read only when ``lang`` is not given and the caller has none at hand."""
    if lang:
        return translator(lang)
    chosen = (settings if settings is not None else load_settings()).lang
    return translator(chosen or None)
