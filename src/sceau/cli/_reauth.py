"""Re-authentication before an act that binds a person: signing a mandate (and the overrides of
findings it carries), registering or revoking a signer key. A logged-in session is not enough:
the person proves again, now, who they are: their password, and their second factor when they
have one enrolled (:func:`sceau.accounts.reauthenticate`, which records the attempt).

:func:`reauthenticate` is the one place the command line does this.
"""

from __future__ import annotations

import sys

import click

from sceau.accounts import (
    AccountError,
    Given,
    Reauthentication,
    User,
    WrongCredentials,
    WrongFactor,
)
from sceau.accounts import reauthenticate as accounts_reauthenticate
from sceau.accounts.factors import has_factor
from sceau.cli._context import Context
from sceau.cli.users import read_password

CODE_PROMPT = "Code from your app, or a recovery code"
NEXT_CODE_PROMPT = "To confirm: the next code from your app (each works once), or a recovery code"


def reauthenticate(
    context: Context, user: User, action: str, *, from_stdin: bool
) -> Reauthentication:
    """Check that the person at the keyboard is ``user``: their password again (a hidden
    prompt, or the first line of stdin with ``from_stdin``), then a code if they have a second
    factor (the next line). A failure is recorded and refuses ``action``."""
    try:
        return prove_again(context, user.name, from_stdin=from_stdin)
    except WrongCredentials:
        raise AccountError(
            f"`{action}` refused: the password is not {user.name}'s",
            hint="this act binds you: type your own account's password",
        ) from None
    except WrongFactor:
        raise AccountError(
            f"`{action}` refused: the code was not accepted",
            hint="type the code your authenticator app shows now (each code works once), or "
            "one of your recovery codes",
        ) from None


def prove_again(context: Context, name: str, *, from_stdin: bool) -> Reauthentication:
    """The password of ``name`` read again, and a code when the account has a second factor;
    the accounts' own errors when either is wrong (recorded as ``mfa.failed``)."""
    password = read_password(from_stdin)
    with context.engine.connect() as connection:
        needs_code = has_factor(connection, name)
    given = Given(code=read_code(from_stdin, CODE_PROMPT)) if needs_code else None
    return accounts_reauthenticate(
        context.settings, context.engine, context.events, name, password, given
    )


def read_code(from_stdin: bool, prompt: str) -> str:
    """A one-time code: the next line of stdin, or asked for."""
    if from_stdin:
        return sys.stdin.readline().strip()
    return str(click.prompt(prompt, err=True))
