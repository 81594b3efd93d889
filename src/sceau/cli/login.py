"""``sceau login``, ``logout``, ``whoami``: the individual the next commands are done by."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from sceau.accounts import current_session
from sceau.accounts import login as open_session
from sceau.accounts import logout as end_session
from sceau.accounts.factors import WrongFactor, list_factors
from sceau.accounts.recovery import remaining
from sceau.accounts.totp import parse_code
from sceau.cli._context import Context
from sceau.cli._reauth import CODE_PROMPT, read_code
from sceau.cli.users import read_password


@click.command()
@click.argument("name")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def login(name: str, password_stdin: bool) -> None:
    """Log in as NAME for the next commands, for as long as the session policy allows
    (`sceau users policy`: 30 minutes unused, 12 hours in all, by default).

    An account with a second factor is then asked for the code its authenticator app shows, or
    a recovery code (with --password-stdin: from the second line of stdin).
    """
    context = Context.load()
    password = read_password(password_stdin)
    remote = context.remote()
    if remote is not None:
        with remote:
            done = remote.login(name, password, lambda: read_code(password_stdin, CODE_PROMPT))
        click.echo(
            f"Logged in to {context.settings.server} as {done['user']} ({done['role']}); its "
            f"token {done['token_id']} is kept in {context.settings.server_token_file}."
        )
        return
    typed: list[str] = []

    def ask_code() -> str:  # asked only once the password is right, if a factor is enrolled
        typed.append(read_code(password_stdin, CODE_PROMPT))
        return typed[-1]

    user = open_session(
        context.settings, context.engine, context.events, name, password, ask_code=ask_code
    )
    session = current_session(context.settings, context.engine)
    click.echo(f"Logged in as {user.name} ({user.role}) until {_clock(session.expires_at)}.")
    if not list_factors(context.engine, user.name):
        click.echo("No second factor is enrolled: anyone with your password can act as you.")
        click.echo("Enrol an authenticator app with: sceau mfa totp")
    elif typed and not _is_totp(typed[-1]):
        left = remaining(context.engine, user.name)
        click.echo(f"You used a recovery code; {left} left. `sceau mfa recovery` prints new ones.")


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
    if end_session(context.settings, context.engine, context.events):
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


def _is_totp(code: str) -> bool:
    try:
        parse_code(code)
    except WrongFactor:
        return False
    return True


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
