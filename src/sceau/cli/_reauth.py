"""Re-authentication before an act that binds a person to a key: a logged-in session is not
enough to register or revoke a signer key, the person proves again who they are.

:func:`reauthenticate` is the one place this happens. Today it asks for the account's password;
the second factor (MFA) belongs here too, so that every act that calls it gets it.
"""

from __future__ import annotations

from sceau.accounts import AccountError, User, WrongCredentials, check_password
from sceau.cli._context import Context
from sceau.cli.users import read_password
from sceau.events import LoginFailed


def reauthenticate(context: Context, user: User, action: str, *, from_stdin: bool) -> None:
    """Check that the person at the keyboard is ``user``: their password again (from a hidden
    prompt, or stdin with ``from_stdin``). A failure is recorded and refuses ``action``."""
    password = read_password(from_stdin)
    try:
        check_password(context.engine, user.name, password)
    except WrongCredentials as error:
        context.events.record(
            LoginFailed(
                actor=user.name, user=user.name, reason=f"re-authentication: {error.reason}"
            )
        )
        raise AccountError(
            f"`{action}` refused: the password is not {user.name}'s",
            hint="this act binds you to a key: type your own account's password",
        ) from None
