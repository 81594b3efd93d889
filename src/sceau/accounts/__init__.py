"""Individual accounts, roles and CLI sessions: every action is done by one named person.

    AccountError                    an account cannot be added, changed or used as asked
     ├── WrongCredentials           login refused (same message whatever the cause)
     ├── NotLoggedIn                no valid session: run `sceau login NAME`
     └── AccessDenied               the role does not allow the command

Commands that touch data call :func:`require` with their action's name; the table of who may
do what is :data:`PERMISSIONS`, and an action missing from it is allowed to nobody.
"""

from sceau.accounts.roles import PERMISSIONS, Role, allowed, roles_for
from sceau.accounts.sessions import (
    AccessDenied,
    NotLoggedIn,
    Session,
    current_session,
    current_user,
    login,
    logout,
    require,
)
from sceau.accounts.users import (
    AccountError,
    PasswordParams,
    User,
    UserRecord,
    WrongCredentials,
    add_user,
    check_name,
    check_password,
    describe_users,
    disable_user,
    has_users,
    list_users,
)

__all__ = [
    "PERMISSIONS",
    "AccessDenied",
    "AccountError",
    "NotLoggedIn",
    "PasswordParams",
    "Role",
    "Session",
    "User",
    "UserRecord",
    "WrongCredentials",
    "add_user",
    "allowed",
    "check_name",
    "check_password",
    "current_session",
    "current_user",
    "describe_users",
    "disable_user",
    "has_users",
    "list_users",
    "login",
    "logout",
    "require",
    "roles_for",
]
