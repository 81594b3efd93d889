"""``sceau labs``: which labs each account works for. Through ``sceau serve`` a person sees only
the runs, reports and alerts of their labs; an account of no lab sees none, whatever its role."""

from __future__ import annotations

import click

from sceau.accounts.labs import add_member, labs_of, remove_member
from sceau.cli._context import Context


@click.group()
def labs() -> None:
    """Which labs (by FINESS number) each account works for, in the service."""


@labs.command()
@click.argument("name")
@click.argument("finess")
def add(name: str, finess: str) -> None:
    """Make account NAME a member of the lab FINESS (an admin's act, recorded)."""
    context = Context.load()
    admin = context.actor("users.manage")
    add_member(context.engine, context.events, name, finess, by=admin.name)
    click.echo(
        f"{name} now works for lab {finess}: {', '.join(sorted(labs_of(context.engine, name)))}."
    )


@labs.command()
@click.argument("name")
@click.argument("finess")
def remove(name: str, finess: str) -> None:
    """End account NAME's membership of the lab FINESS."""
    context = Context.load()
    admin = context.actor("users.manage")
    if remove_member(context.engine, context.events, name, finess, by=admin.name):
        click.echo(f"{name} no longer works for lab {finess}.")
    else:
        click.echo(f"{name} was not a member of lab {finess}.")


@labs.command("list")
@click.argument("name")
def list_labs(name: str) -> None:
    """The labs account NAME works for."""
    context = Context.load()
    context.actor("users.manage")
    found = sorted(labs_of(context.engine, name))
    click.echo(f"{name} works for: {', '.join(found)}." if found else f"{name} works for no lab.")
