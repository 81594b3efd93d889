"""``sceau passwd``: change your own password; your other sessions end."""

from __future__ import annotations

import sys

import click

from sceau.accounts import AccountError, change_password, current_session
from sceau.cli._context import Context


@click.command()
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the current password, then the new one, from the first two lines of stdin.",
)
def passwd(password_stdin: bool) -> None:
    """Change your password: the current one, then the new one twice (hidden).

    The password rules apply (docs/accounts.md); every other session of yours ends.
    """
    context = Context.load()
    session = current_session(context.settings, context.engine)
    if password_stdin:
        current, new = (sys.stdin.readline().removesuffix("\n").removesuffix("\r") for _ in "ab")
        if not current or not new:
            raise AccountError(
                "passwd --password-stdin reads two lines: the current password, then the new one",
                hint="pipe both in: ... --password-stdin < file",
            )
    else:
        current = click.prompt("Current password", hide_input=True)
        new = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    ended = change_password(
        context.engine, context.events, session.user.name, current, new, keep=session.id
    )
    others = f"; {ended} other session{'s' if ended != 1 else ''} ended" if ended else ""
    click.echo(f"Password changed for {session.user.name}{others}.")
