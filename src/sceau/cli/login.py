"""``sceau login``, ``logout``, ``whoami``: the individual the next commands are done by."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from sceau.accounts import current_session
from sceau.accounts import login as open_session
from sceau.accounts import logout as end_session
from sceau.cli._context import Context
from sceau.cli.users import read_password


@click.command()
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def login(name: str, password_stdin: bool) -> None:
    """Log in as NAME for the next commands (the session lasts session_minutes, 60 by default)."""
    context = Context.load()
    password = read_password(password_stdin)
    remote = context.remote()
    if remote is not None:
        with remote:
            done = remote.login(name, password)
        click.echo(
            f"Logged in to {context.settings.server} as {done['user']} ({done['role']}); its "
            f"token {done['token_id']} is kept in {context.settings.server_token_file}."
        )
        return
    user = open_session(context.settings, context.engine, context.events, name, password)
    session = current_session(context.settings, context.engine)
    click.echo(f"Logged in as {user.name} ({user.role}) until {_clock(session.expires_at)}.")


@click.command()
def logout() -> None:
    """End the session: the next commands need `sceau login` again."""
    context = Context.load()
    remote = context.remote()
    if remote is not None:
        with remote:
            ended = remote.logout()
        click.echo("Logged out; the token was revoked." if ended else "Nobody was logged in.")
        return
    if end_session(context.settings, context.engine):
        click.echo("Logged out.")
    else:
        click.echo("Nobody was logged in.")


@click.command()
def whoami() -> None:
    """Who is logged in, with which role, and until when."""
    context = Context.load()
    session = current_session(context.settings, context.engine)
    left = max(0, int((session.expires_at - datetime.now(UTC)).total_seconds() // 60))
    click.echo(
        f"{session.user.name} ({session.user.role}), "
        f"session ends {_clock(session.expires_at)} (in {left} min)"
    )


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
