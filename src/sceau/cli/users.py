"""``sceau users``: one account per person, each with one role."""

from __future__ import annotations

import json
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
    end_sessions,
    enrolment,
    get_policy,
    has_users,
    list_sessions,
    reset_password,
    set_policy,
)
from sceau.accounts.mfa import mfa_key
from sceau.accounts.users import account_exists
from sceau.cli._context import Context
from sceau.cli.sessions import show_sessions

_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")


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
    elif _accounts_were_made(context):
        raise AccountError(
            "the audit trail shows accounts made before, but the store holds none: its "
            "accounts were removed, and a new first admin cannot be made here",
            hint="restore the state store from its backup; if the accounts were removed on "
            "purpose, that is a new installation, with a new store and audit trail",
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
        click.echo(EMBEDDED_IS_SINGLE_USER, err=True)
    show_enrolment_code(context, user.name, by=by)


@users.command("enrolment-code")
@click.argument("name")
def enrolment_code(name: str) -> None:
    """Issue a new one-time enrolment code for NAME (admin): the old one stops working.

    NAME gives it at their first login to the service, before enrolling their second factor.
    """
    context = Context.load()
    actor = context.actor("users.manage")
    if not account_exists(context.engine, name):
        raise AccountError(f"there is no account {name}", hint="check the name (sceau users list)")
    show_enrolment_code(context, name, by=actor.name)


def show_enrolment_code(context: Context, name: str, *, by: str) -> None:
    """Issue ``name``'s enrolment code and print it, once: it is not stored anywhere readable."""
    key = mfa_key(context.settings, create=True)
    code = enrolment.issue(context.engine, context.events, key, name, by=by)
    click.echo(f"Enrolment code for {name}: {code}")
    click.echo(
        f"Give it to {name} in person or by another channel than the password: at their first "
        f"login to the service it is asked before they enrol a second factor. It works once, "
        f"for {enrolment.HOURS} hours.",
        err=True,
    )


# The embedded store is a file of this machine's account: whoever runs sceau here can read it
# and the audit key, so roles separate honest people only. The service is the boundary.
EMBEDDED_IS_SINGLE_USER = (
    "Note: this installation keeps its store and audit key on this machine, readable by "
    "everyone who runs sceau here; for several people (a lab's controller, a vendor's "
    "operator), run `sceau serve` and have each work through it (docs/serve.md)."
)


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


@users.command("reset-password")
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def reset_password_(name: str, password_stdin: bool) -> None:
    """Set a new password for NAME, who forgot theirs (admin); their sessions end.

    Give it to them privately: at their next login they must choose their own with
    `sceau passwd` before any other command.
    """
    context = Context.load()
    actor = context.actor("users.manage")
    password = read_password(password_stdin, confirm=True)
    reset_password(context.engine, context.events, name, password, by=actor.name)
    click.echo(f"Reset the password of {name}; they choose their own at their next login.")


@users.command("policy")
@click.option("--idle-minutes", type=int, help="End a session unused this long (admin).")
@click.option("--absolute-minutes", type=int, help="End a session this long after login (admin).")
@_json_option
def policy(idle_minutes: int | None, absolute_minutes: int | None, as_json: bool) -> None:
    """Show how long sessions last; an admin changes it with both options.

    At most 1440 minutes (24 hours) in all, and the idle limit no longer than that. A change
    applies at once to the sessions already open.
    """
    context = Context.load()
    if idle_minutes is None and absolute_minutes is None:
        context.actor("reports.read")
        current = get_policy(context.engine)
    elif idle_minutes is None or absolute_minutes is None:
        raise AccountError(
            "give both --idle-minutes and --absolute-minutes",
            hint="`sceau users policy` shows the values in force",
        )
    else:
        actor = context.actor("users.manage")
        current = set_policy(
            context.engine,
            context.events,
            idle_minutes=idle_minutes,
            absolute_minutes=absolute_minutes,
            by=actor.name,
        )
    if as_json:
        changed_at = current.changed_at.isoformat() if current.changed_at else None
        facts = {
            "idle_minutes": current.idle_minutes,
            "absolute_minutes": current.absolute_minutes,
            "changed_by": current.changed_by or None,
            "changed_at": changed_at,
        }
        click.echo(json.dumps(facts, indent=2))
        return
    click.echo(
        f"A session ends after {current.idle_minutes} minutes unused, "
        f"and {current.absolute_minutes} minutes after login at most."
    )
    if current.changed_at is not None:
        click.echo(f"Set by {current.changed_by} on {current.changed_at:%Y-%m-%d %H:%M} UTC.")
    else:
        click.echo("These are sceau's defaults; an admin can change them.")


@users.command("sessions")
@click.argument("name")
@click.option("--end", "end_all", is_flag=True, help="End every session of NAME.")
@_json_option
def sessions_of(name: str, end_all: bool, as_json: bool) -> None:
    """List the open sessions of the account NAME (admin); --end ends them all."""
    context = Context.load()
    actor = context.actor("users.manage")
    if end_all:
        ended = end_sessions(
            context.engine, context.events, name, by=actor.name, reason="ended by an admin"
        )
        click.echo(f"Ended {len(ended)} session{'s' if len(ended) != 1 else ''} of {name}.")
        return
    show_sessions(list_sessions(context.engine, name), as_json=as_json)


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


def _accounts_were_made(context: Context) -> bool:
    """Whether the trail records an account added: a store emptied of its accounts must not
    let whoever can write it make themself the first admin of an installation that has one."""
    return next(iter(context.events.read(names={"user.added"})), None) is not None
