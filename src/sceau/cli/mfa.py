"""``sceau mfa``: a person's own second factors — an authenticator app, recovery codes.

Every change asks for the password again (and the second factor, once there is one): a session
left open on a desk must not be enough to replace someone's phone. Security keys (WebAuthn)
are enrolled in the web console; they are listed and removed here.
"""

from __future__ import annotations

import io
import json
import sys

import click
import segno
from rich.console import Console
from rich.table import Table as RichTable

from sceau.accounts import AccessDenied, NotLoggedIn
from sceau.accounts.errors import AccountError
from sceau.accounts.factors import Factor, WrongFactor, has_factor, list_factors
from sceau.accounts.mfa import (
    Reauthentication,
    begin_totp,
    confirm_totp,
    issue_recovery_codes,
    remove_factor,
    reset_factors,
)
from sceau.accounts.recovery import remaining
from sceau.accounts.roles import allowed
from sceau.accounts.users import check_name, get_user
from sceau.cli._context import Context
from sceau.cli._reauth import prove_again, read_code
from sceau.cli.users import show_enrolment_code
from sceau.events import AccessDenied as AccessDeniedEvent

ACTION = "mfa.manage"
TRIES = 3
_password_option = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password, then the code, from the first lines of stdin (for scripts).",
)


@click.group()
def mfa() -> None:
    """Your second factors: an authenticator app (TOTP) and recovery codes.

    \b
    sceau mfa totp          enrol an authenticator app (asks for your password)
    sceau mfa recovery      print 10 new recovery codes, replacing the old ones
    sceau mfa list          your factors, with their numbers
    sceau mfa remove N      remove factor number N
    sceau mfa reset NAME    (admins) remove all of NAME's factors, lost phone and codes
    """


@mfa.command("totp")
@click.option("--label", default="authenticator app", help="A name you will recognise it by.")
@click.option(
    "--user",
    "name",
    default=None,
    help="Your account, when you are not logged in (to enrol before a first login).",
)
@_password_option
def enrol_totp(label: str, name: str | None, password_stdin: bool) -> None:
    """Enrol an authenticator app: scan the QR code, then type the code it shows."""
    context = Context.load()
    proof = _reauthenticate(context, name, password_stdin)
    enrolment = begin_totp(context.settings, context.engine, proof, label=label)
    click.echo("Add this account to your authenticator app (FreeOTP, Aegis, Google")
    click.echo("Authenticator...): scan the QR code, or enter the link by hand.")
    if sys.stdout.isatty():
        click.echo(qr_code(enrolment.uri))
    click.echo(enrolment.uri)
    click.echo("Keep this link secret: anyone who has it can make your codes.")
    for attempt in range(1, TRIES + 1):
        code = read_code(password_stdin, "Code the app shows now")
        try:
            confirm_totp(
                context.settings,
                context.engine,
                context.events,
                proof.user,
                enrolment.factor_id,
                code,
            )
        except WrongFactor as error:
            if attempt == TRIES:
                raise
            click.secho(f"{error} — try again", fg="yellow", err=True)
            continue
        break
    click.echo(f"Enrolled {label!r} as factor {enrolment.factor_id} for {proof.user}.")
    if remaining(context.engine, proof.user) == 0:
        click.echo("Now run `sceau mfa recovery` and keep the codes it prints somewhere safe,")
        click.echo("for the day this phone is lost.")


@mfa.command("recovery")
@_password_option
def recovery_codes(password_stdin: bool) -> None:
    """Print 10 new one-time recovery codes; every earlier code stops working."""
    context = Context.load()
    proof = _reauthenticate(context, None, password_stdin)
    codes = issue_recovery_codes(context.settings, context.engine, context.events, proof)
    click.echo(f"Recovery codes for {proof.user}. Each works once, in place of the app's code.")
    click.echo("Print or write them down now and keep them away from this computer:")
    click.echo("they are shown only this once.")
    for number, code in enumerate(codes, 1):
        click.echo(f"  {number:2}. {code}")


@mfa.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")
def list_(as_json: bool) -> None:
    """Your second factors, with their numbers (for `sceau mfa remove`)."""
    context = Context.load()
    user = context.actor(ACTION)
    factors = list_factors(context.engine, user.name)
    left = remaining(context.engine, user.name)
    if as_json:
        facts = [_fact(factor, left) for factor in factors]
        click.echo(json.dumps({"user": user.name, "factors": facts}, indent=2))
        return
    if not factors:
        click.echo(f"{user.name} has no second factor. Enrol one with: sceau mfa totp")
        return
    grid = RichTable(title=f"Second factors of {user.name}", title_justify="left")
    for heading in ("number", "kind", "label", "added", "last used"):
        grid.add_column(heading)
    for factor in factors:
        label = f"{left} left" if factor.kind == "recovery" else factor.label
        used = "never" if factor.last_used_at is None else f"{factor.last_used_at:%Y-%m-%d %H:%M}"
        added = f"{factor.created_at:%Y-%m-%d %H:%M} UTC"
        grid.add_row(str(factor.factor_id), factor.kind.value, label, added, used)
    Console(soft_wrap=True).print(grid)


@mfa.command("remove")
@click.argument("number", type=int)
@_password_option
def remove(number: int, password_stdin: bool) -> None:
    """Remove your factor NUMBER (see `sceau mfa list`)."""
    context = Context.load()
    proof = _reauthenticate(context, None, password_stdin)
    removed = remove_factor(context.engine, context.events, proof, number)
    click.echo(f"Removed factor {number}.")
    if len(removed) > 1:
        click.echo("It was your last app or key, so your recovery codes are removed too.")
    with context.engine.connect() as connection:
        if not has_factor(connection, proof.user):
            click.echo("You have no second factor left; enrol one with: sceau mfa totp")


@mfa.command("reset")
@click.argument("name")
@_password_option
def reset(name: str, password_stdin: bool) -> None:
    """Remove every second factor of NAME, who lost both phone and codes (admins only).

    NAME then logs in with the password alone (unless require_mfa is set: then they enrol
    first with `sceau mfa totp --user NAME`), or, at the service, with the new enrolment code
    printed here. Your own password and code are asked first.
    """
    context = Context.load()
    context.actor("users.manage")
    proof = _reauthenticate(context, None, password_stdin)
    removed = reset_factors(context.engine, context.events, proof, name)
    click.echo(f"Removed {len(removed)} second factor(s) of {name}; they must enrol again.")
    show_enrolment_code(context, name, by=proof.user)


def qr_code(uri: str) -> str:
    """The URI as a QR code drawn with Unicode blocks, for a terminal."""
    out = io.StringIO()
    segno.make(uri, error="m").terminal(out=out, compact=True)
    return out.getvalue()


def _reauthenticate(context: Context, name: str | None, password_stdin: bool) -> Reauthentication:
    """Who is acting (the session's account, or ``--user`` without one), proven again now."""
    try:
        user = context.actor(ACTION).name  # a session: its role is checked, a refusal recorded
        logged_in = True
    except NotLoggedIn:
        if name is None:
            raise
        check_name(name)
        user, logged_in = name, False
    if name is not None and name != user:
        raise AccountError(
            "--user names another account than the one logged in",
            hint="each person changes their own factors: leave out --user, or log out first",
        )
    proof = prove_again(context, user, from_stdin=password_stdin)
    if not logged_in:  # the password proved who it is; the role table still decides
        with context.engine.connect() as connection:
            account = get_user(connection, user)
        if account is None or not allowed(account.role, ACTION):
            context.events.record(
                AccessDeniedEvent(actor=user, command=ACTION, reason="role not allowed")
            )
            raise AccessDenied(f"`{ACTION}` is not allowed to this account's role")
    return proof


def _fact(factor: Factor, left: int) -> dict[str, object]:
    fact: dict[str, object] = {
        "number": factor.factor_id,
        "kind": factor.kind.value,
        "label": factor.label,
        "added": factor.created_at.isoformat(),
        "last_used": None if factor.last_used_at is None else factor.last_used_at.isoformat(),
    }
    if factor.kind == "recovery":
        fact["remaining"] = left
    return fact
