"""``sceau users``: one account per person, each with one role."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table as RichTable

from sceau.accounts import (
    AccountError,
    Role,
    add_user,
    check_name,
    describe_users,
    disable_user,
    has_users,
)
from sceau.cli._context import Context


@click.group()
def users() -> None:
    """One account per person: admins add and disable them, anyone logged in lists them.

    \b
    The first account of a new state store is added without logging in, and must be an admin:
      sceau users add jdupont --role admin
    """


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="What the person may do (see docs/accounts.md).",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def add(name: str, role: str, password_stdin: bool) -> None:
    """Add the account NAME for one person, with one role."""
    check_name(name)
    context = Context.load()
    if has_users(context.engine):
        by = context.actor("users.manage").name
    elif role != Role.ADMIN:
        raise AccountError(
            "the first account must be an admin",
            hint=f"run `sceau users add NAME --role {Role.ADMIN}` first",
        )
    else:
        by = name  # bootstrap: the first admin adds themself
    password = read_password(password_stdin, confirm=True)
    user = add_user(context.engine, context.events, name, Role(role), password, by=by)
    if by == user.name:
        click.echo(f"Added {user.name}, the first account ({user.role}).")
        click.echo(f"Log in with: sceau login {user.name}")
    else:
        click.echo(f"Added {user.name} ({user.role}). They log in with: sceau login {user.name}")


@users.command("list")
def list_() -> None:
    """List the accounts, with who added them and which are disabled."""
    context = Context.load()
    context.actor("reports.read")
    grid = RichTable(title="Accounts", title_justify="left")
    for heading in ("name", "role", "added", "added by", "status"):
        grid.add_column(heading)
    for record in describe_users(context.engine):
        status = (
            "active"
            if record.disabled_at is None
            else f"disabled {record.disabled_at:%Y-%m-%d %H:%M} UTC"
        )
        grid.add_row(
            record.name,
            record.role.value,
            f"{record.created_at:%Y-%m-%d %H:%M} UTC",
            record.created_by,
            status,
        )
    Console().print(grid)


@users.command("disable")
@click.argument("name")
def disable(name: str) -> None:
    """Disable the account NAME and end its sessions.

    Its history stays in the audit trail; the name cannot be given to anyone else.
    """
    context = Context.load()
    actor = context.actor("users.manage")
    disable_user(context.engine, context.events, name, by=actor.name)
    click.echo(f"Disabled {name}; their sessions are ended.")


def read_password(from_stdin: bool, *, confirm: bool = False) -> str:
    """The password from a hidden prompt, or from the first line of stdin (for scripts)."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise AccountError(
                "no password on stdin", hint="pipe the password in: ... --password-stdin < file"
            )
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
