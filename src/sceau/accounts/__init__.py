"""Individual accounts, roles and CLI sessions: every action is done by one named person.

    AccountError                    an account cannot be added, changed or used as asked
     ├── WrongCredentials           login refused (same message whatever the cause)
     │    └── Throttled             too many failures: refused until a time, even the right password
     ├── PasswordRefused            a new password breaks a rule (the rule is named)
     ├── NotLoggedIn                no valid session: run `sceau login NAME`
     ├── AccessDenied               the role does not allow the command
     └── MfaError                   a second factor cannot be enrolled, used or removed
          ├── WrongFactor           a code or security key's answer was refused
          └── NotFresh              an act needs the password and factor given just now

Second factors (TOTP apps, recovery codes, WebAuthn keys) are in :mod:`.mfa` and the modules
it names; acts that must not ride on an old session take a :func:`reauthenticate` proof.

Commands that touch data call :func:`require` with their action's name; the table of who may
do what is :data:`PERMISSIONS`, and an action missing from it is allowed to nobody.
"""

from sceau.accounts.errors import AccountError
from sceau.accounts.factors import Factor, MfaError, WrongFactor, list_factors
from sceau.accounts.mfa import (
    Given,
    NotFresh,
    Reauthentication,
    reauthenticate,
    require_fresh,
)
from sceau.accounts.names import name_key
from sceau.accounts.passwd import change_password, reset_password
from sceau.accounts.passwords import PasswordRefused, check_password_rules
from sceau.accounts.policy import SessionPolicy, get_policy, set_policy
from sceau.accounts.roles import PERMISSIONS, Role, allowed, roles_for
from sceau.accounts.session_list import end_sessions, list_sessions
from sceau.accounts.sessions import (
    AccessDenied,
    NotLoggedIn,
    Session,
    Throttled,
    authenticate,
    current_session,
    current_user,
    login,
    logout,
    require,
)
from sceau.accounts.users import (
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
    "Factor",
    "Given",
    "MfaError",
    "NotFresh",
    "NotLoggedIn",
    "PasswordParams",
    "PasswordRefused",
    "Reauthentication",
    "Role",
    "Session",
    "SessionPolicy",
    "Throttled",
    "User",
    "UserRecord",
    "WrongCredentials",
    "WrongFactor",
    "add_user",
    "allowed",
    "authenticate",
    "change_password",
    "check_name",
    "check_password",
    "check_password_rules",
    "current_session",
    "current_user",
    "describe_users",
    "disable_user",
    "end_sessions",
    "get_policy",
    "has_users",
    "list_factors",
    "list_sessions",
    "list_users",
    "login",
    "logout",
    "name_key",
    "reauthenticate",
    "require",
    "require_fresh",
    "reset_password",
    "roles_for",
    "set_policy",
]
