"""The administrator's accounts page: every account with its role, labs, second factors, lock
after failed logins, state and last login; and the acts on one account (disable, enable, unlock,
end its sessions, add or remove a lab), each through the accounts room, which records it."""

from __future__ import annotations

from datetime import datetime

from litestar import Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from sceau.accounts import describe_users, disable_user, end_sessions, list_factors
from sceau.accounts.labs import add_member, labs_of, remove_member
from sceau.accounts.throttle import locked
from sceau.accounts.users import account_exists, enable_user, unlock_logins
from sceau.audit.search import last_logins
from sceau.errors import SceauError
from sceau.web.auth import end_sessions_of
from sceau.web.console.form import ConfirmForm, LabForm, Why, WhyForm
from sceau.web.console.pages import whoami
from sceau.web.console.render import Req, page, render, words_of
from sceau.web.guard import needs, principal_of, service_of
from sceau.web.service import NotFound

_MANAGE = {**needs("users.manage"), **page()}


@get("/admin/accounts", opt=_MANAGE, sync_to_thread=True)
def accounts_page(request: Req) -> Response[str]:
    """Every account, disabled ones included, with what an administrator acts on."""
    service = service_of(request)
    engine, now = service.engine, service.clock()
    logins = last_logins(engine)
    accounts = []
    for record in describe_users(engine):
        lock = locked(engine, record.name, None, now)
        accounts.append(
            {
                "name": record.name,
                "role": record.role.value,
                "labs": sorted(labs_of(engine, record.name)),
                "factors": sorted({f.kind.value for f in list_factors(engine, record.name)}),
                "locked_until": _minute(lock.until) if lock is not None else None,
                "disabled_at": _minute(record.disabled_at) if record.disabled_at else None,
                "last_login": _minute(logins[record.name]) if record.name in logins else None,
                "me": record.name == _me(request),
            }
        )
    title = words_of(request)("console.admin.title")
    return render(request, "admin_accounts.html", title=title, accounts=accounts, **whoami(request))


@post("/admin/accounts/{name:str}/disable", opt=_MANAGE, sync_to_thread=True)
def disable_page(request: Req, name: FromPath[str], data: ConfirmForm) -> Redirect:
    """Disable the account (the box ticked): it can no longer log in, and its sessions end."""
    service = service_of(request)
    if data.confirm != "yes":
        raise SceauError(
            "the account was not disabled: the confirmation box was not ticked",
            hint="tick the box to say you mean it",
            where=name,
        )
    disable_user(service.engine, service.log, name, by=_me(request))
    return _back(request)


@post("/admin/accounts/{name:str}/enable", opt=_MANAGE, sync_to_thread=True)
def enable_page(request: Req, name: FromPath[str], data: WhyForm) -> Redirect:
    """Let a disabled account in again, with why."""
    service = service_of(request)
    enable_user(service.engine, service.log, name, by=_me(request), reason=_reason(data))
    return _back(request)


@post("/admin/accounts/{name:str}/unlock", opt=_MANAGE, sync_to_thread=True)
def unlock_page(request: Req, name: FromPath[str], data: WhyForm) -> Redirect:
    """Lift the lock failed logins put on the account, with why."""
    service = service_of(request)
    unlock_logins(service.engine, service.log, name, by=_me(request), reason=_reason(data))
    return _back(request)


@post("/admin/accounts/{name:str}/sessions/end", opt=_MANAGE, sync_to_thread=True)
def end_sessions_page(request: Req, name: FromPath[str], data: WhyForm) -> Redirect:
    """End every session of the account, in browsers and on the command line, with why (its
    API tokens stay: their owner or their end date revokes them)."""
    service = service_of(request)
    by, now, why = _me(request), service.clock(), _reason(data)
    if not account_exists(service.engine, name):
        raise NotFound("no account has this name", where=name)
    end_sessions(service.engine, service.log, name, by=by, reason=why, now=now)
    end_sessions_of(service.engine, service.log, name, by=by, reason=why, now=now)
    return _back(request)


@post("/admin/accounts/{name:str}/labs", opt=_MANAGE, sync_to_thread=True)
def add_lab_page(request: Req, name: FromPath[str], data: LabForm) -> Redirect:
    """Make the account a member of a lab: it sees that lab's runs, reports and alerts."""
    service = service_of(request)
    add_member(service.engine, service.log, name, data.finess.strip(), by=_me(request))
    return _back(request)


@post("/admin/accounts/{name:str}/labs/{finess:str}/remove", opt=_MANAGE, sync_to_thread=True)
def remove_lab_page(request: Req, name: FromPath[str], finess: FromPath[str]) -> Redirect:
    """End the account's membership of a lab."""
    service = service_of(request)
    if not remove_member(service.engine, service.log, name, finess, by=_me(request)):
        raise NotFound("the account is not a member of this lab", where=name)
    return _back(request)


def _reason(data: Why) -> str:
    """The why an act keeps in the audit trail: it must say something."""
    if not data.why.strip():
        raise SceauError("say why: it is kept in the audit trail", where="why")
    return data.why.strip()


def _me(request: Req) -> str:
    return principal_of(request).user.name


def _back(request: Req) -> Redirect:
    return Redirect(f"/admin/accounts?{request.url.query}", status_code=303)


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


ROUTES = [
    accounts_page,
    disable_page,
    enable_page,
    unlock_page,
    end_sessions_page,
    add_lab_page,
    remove_lab_page,
]
