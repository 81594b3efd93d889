"""``sceau plugins``: what sceau can use of each kind, where each comes from, and what could not
be loaded. A plug-in that fails to import is otherwise only named when it is asked for."""

from __future__ import annotations

import sys
from typing import Any

import click

from sceau.alerts.channels import CHANNELS
from sceau.alerts.rules import RULES
from sceau.detect.base import DETECTORS
from sceau.keys import PROVIDERS
from sceau.plugins import PluginError, Registry
from sceau.sources.base import SOURCES
from sceau.targets import TARGETS

REGISTRIES: tuple[Registry[Any], ...] = (
    DETECTORS,
    SOURCES,
    TARGETS,
    PROVIDERS,
    CHANNELS,
    RULES,
)


@click.command()
def plugins() -> None:
    """List the detectors, sources, targets, key providers, alert channels and alert rules,
    each with the distribution it comes from; exit status 1 if a plug-in could not be loaded.

    \b
    Adding one of them is one file and an entry point: see docs/plugins.md.
    """
    broken: list[PluginError] = []
    for registry in REGISTRIES:
        found = registry.plugins()
        broken += registry.broken()
        click.echo(f"{registry.what}s ({registry.group}):")
        width = max((len(plugin.name) for plugin in found), default=0)
        for plugin in found:
            click.echo(f"  {plugin.name:<{width}}  {plugin.distribution}")
    for error in broken:
        click.secho(f"warning: {error}", fg="yellow", err=True)
    if broken:
        sys.exit(1)


def warn_broken(*registries: Registry[Any]) -> None:
    """One line on stderr for each plug-in of ``registries`` that could not be loaded: a scan
    without a detector someone installed must say so."""
    for registry in registries:
        for error in registry.broken():
            click.secho(f"warning: {error}", fg="yellow", err=True)
