"""``/auth/login``, ``/auth/mfa/*``, ``/auth/enrol/*`` and ``/auth/reauth``: the login contract.

The password (throttled per account and per client address) opens a pending session; the second
factor completes it, with a new token. An account without a factor, where the service requires
one (the default), may only give the enrolment code its admin gave
(:mod:`sceau.accounts.enrolment`), then enrol one: enrolling completes the login and shows its
recovery codes once. A wrong factor or code is a failed login and a guess counted like a wrong
password.
``/auth/reauth`` proves the person again in a complete session, for the acts declared
``needs(..., fresh=True)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from litestar import Request, Response, post
from litestar.params import JSONBody

from sceau.accounts import (
    AccessDenied,
    User,
    WrongCredentials,
    enrolment,
    recovery,
    totp,
    webauthn,
)
from sceau.accounts.factors import Kind, WrongFactor, list_factors
from sceau.accounts.mfa import FRESH_MINUTES, Given, mfa_key, reauthenticate, verify_factor
from sceau.accounts.policy import session_minutes
from sceau.accounts.sessions import authenticate, check_not_throttled, factor_failed
from sceau.accounts.throttle import clear, record_failure
from sceau.events import LoginSucceeded, MfaVerified
from sceau.web import auth
from sceau.web.guard import (
    SESSION_COOKIE,
    address_of,
    needs,
    principal_of,
    public,
    second_factor,
    service_of,
)
from sceau.web.service import Principal, Service

Req = Request[Any, Any, Any]
_LABEL_TOTP, _LABEL_KEY = "authenticator app", "security key"


@dataclass
class LoginForm:
    name: str
    password: str


@dataclass
class Answer:
    answer: str


@dataclass
class Confirmation:
    factor: int
    answer: str


@dataclass
class Reauth:
    password: str
    answer: str | None = None


@dataclass
class Empty:
    """Nothing: the step's options are the server's to choose."""


@post("/auth/login", opt=public("the first login step"), sync_to_thread=True, status_code=200)
def login(request: Req, data: JSONBody[LoginForm]) -> Response[dict[str, Any]]:
    """The password: a complete session, or one pending at its second factor or its enrolment."""
    service = service_of(request)
    now = service.clock()
    address = address_of(request)
    user = authenticate(
        service.engine,
        service.log,
        data.name,
        data.password,
        address=address,
        params=service.password_params,
        now=now,
    )
    kinds = sorted({f.kind.value for f in list_factors(service.engine, user.name)})
    if Kind.TOTP.value in kinds or Kind.WEBAUTHN.value in kinds:
        token = auth.open_session(
            service, user, complete=False, minutes=0, now=now, address=address
        )
        return _with_cookie(Response({"stage": "second_factor", "factors": kinds}), token)
    if service.require_mfa:
        token = auth.open_session(
            service,
            user,
            complete=False,
            minutes=0,
            now=now,
            stage=auth.ENROL_CODE,
            address=address,
        )
        return _with_cookie(Response({"stage": "enrol", "factors": []}), token)
    clear(service.engine, user.name)
    service.log.record(LoginSucceeded(actor=user.name, user=user.name, at=now))
    token = auth.open_session(
        service, user, complete=True, minutes=_minutes(service), now=now, address=address
    )
    return _with_cookie(Response(_complete(user)), token)


# --- the second factor of a pending login ----------------------------------------------------


@post("/auth/mfa/totp", opt=second_factor(), sync_to_thread=True, status_code=200)
def mfa_totp(request: Req, data: JSONBody[Answer]) -> Response[dict[str, Any]]:
    """The 6 digits of the authenticator app; a code is accepted once."""
    totp_code = _checked(request, lambda: totp.parse_code(data.answer))
    return _second_factor(request, Given(code=totp_code))


@post("/auth/mfa/recovery", opt=second_factor(), sync_to_thread=True, status_code=200)
def mfa_recovery(request: Req, data: JSONBody[Answer]) -> Response[dict[str, Any]]:
    """One of the recovery codes shown at enrolment; each is spent by its use."""
    code = _checked(request, lambda: recovery.parse_code(data.answer))
    return _second_factor(request, Given(code=code))


@post("/auth/mfa/webauthn/options", opt=second_factor(), sync_to_thread=True, status_code=200)
def mfa_webauthn_options(request: Req, data: JSONBody[Empty]) -> dict[str, Any]:
    """The challenge for ``navigator.credentials.get()``, for this account's keys only."""
    del data
    return _challenge(request)


def _challenge(request: Req) -> dict[str, Any]:
    service = service_of(request)
    rp = webauthn.RelyingParty.from_settings(service.settings)
    name = principal_of(request).user.name
    options = webauthn.authentication_options(service.engine, rp, name, now=service.clock())
    return {"publicKey": json.loads(options)}


@post("/auth/mfa/webauthn", opt=second_factor(), sync_to_thread=True, status_code=200)
def mfa_webauthn(request: Req, data: JSONBody[Answer]) -> Response[dict[str, Any]]:
    """The security key's answer (the credential as JSON) to the challenge just issued."""
    return _second_factor(request, Given(assertion=data.answer))


def _checked(request: Req, parse: Callable[[], str]) -> str:
    """The parsed answer; a malformed one is already a wrong factor (and a counted guess)."""
    try:
        return parse()
    except WrongFactor as error:
        _failed(request, error)
        raise


def _failed(request: Req, error: WrongFactor) -> None:
    service = service_of(request)
    name = principal_of(request).user.name
    now = service.clock()
    factor_failed(service.engine, service.log, name, error, address=address_of(request), now=now)


def _second_factor(request: Req, given: Given) -> Response[dict[str, Any]]:
    service = service_of(request)
    principal = principal_of(request)
    name, now, address = principal.user.name, service.clock(), address_of(request)
    check_not_throttled(service.engine, service.log, name, address=address, now=now)
    try:
        factor = verify_factor(service.settings, service.engine, service.log, name, given, now=now)
    except WrongFactor as error:
        _failed(request, error)
        raise
    kinds = (f.kind.value for f in list_factors(service.engine, name) if f.factor_id == factor)
    kind = next(kinds, "none")
    service.log.record(MfaVerified(actor=name, user=name, kind=kind, factor=factor, at=now))
    return _completed(service, principal, now, address)


def _completed(
    service: Service,
    principal: Principal,
    now: datetime,
    address: str | None,
    extra: dict[str, Any] | None = None,
) -> Response[dict[str, Any]]:
    name = principal.user.name
    clear(service.engine, name)
    service.log.record(LoginSucceeded(actor=name, user=name, at=now))
    token = auth.complete_session(
        service, principal, minutes=_minutes(service), now=now, address=address
    )
    return _with_cookie(Response({**_complete(principal.user), **(extra or {})}), token)


# --- enrolment of the first factor, for an account that has none ---------------------------


@post("/auth/enrol/code", opt=second_factor(auth.ENROL_CODE), sync_to_thread=True, status_code=200)
def enrol_code(request: Req, data: JSONBody[Answer]) -> dict[str, Any]:
    """The one-time enrolment code the admin gave with the account: the login may then enrol
    its first factor. A wrong code is a failed login, throttled like a wrong password."""
    service = service_of(request)
    principal = principal_of(request)
    name, now = principal.user.name, service.clock()
    check_not_throttled(service.engine, service.log, name, address=address_of(request), now=now)
    try:
        enrolment.use(
            service.engine, service.log, mfa_key(service.settings), name, data.answer, now=now
        )
    except WrongFactor as error:
        _failed(request, error)
        raise
    auth.advance(service.engine, principal.token_sha256, auth.ENROL_CODE, auth.ENROL)
    return {"stage": "enrol", "factors": []}


@post("/auth/enrol/totp", opt=second_factor(auth.ENROL), sync_to_thread=True, status_code=200)
def enrol_totp(request: Req, data: JSONBody[Empty]) -> dict[str, Any]:
    """A new authenticator-app secret, as the ``otpauth://`` URI to show as a QR code once."""
    del data
    service = service_of(request)
    name = principal_of(request).user.name
    key = mfa_key(service.settings, create=True)
    issuer = service.settings.installation
    started = totp.begin(
        service.engine, key, name, label=_LABEL_TOTP, issuer=issuer, now=service.clock()
    )
    return {"uri": started.uri, "factor": started.factor_id}


@post(
    "/auth/enrol/totp/confirm", opt=second_factor(auth.ENROL), sync_to_thread=True, status_code=200
)
def enrol_totp_confirm(request: Req, data: JSONBody[Confirmation]) -> Response[dict[str, Any]]:
    """The app's first code: the factor is enrolled and the login complete."""
    service = service_of(request)
    principal = principal_of(request)
    name, now = principal.user.name, service.clock()
    key = mfa_key(service.settings)
    try:
        totp.confirm(service.engine, service.log, key, name, data.factor, data.answer, now=now)
    except WrongFactor as error:
        _failed(request, error)
        raise
    return _enrolled(request)


@post(
    "/auth/enrol/webauthn/options",
    opt=second_factor(auth.ENROL),
    sync_to_thread=True,
    status_code=200,
)
def enrol_webauthn_options(request: Req, data: JSONBody[Empty]) -> dict[str, Any]:
    """The challenge for ``navigator.credentials.create()``."""
    del data
    service = service_of(request)
    rp = webauthn.RelyingParty.from_settings(service.settings)
    name = principal_of(request).user.name
    options = webauthn.registration_options(service.engine, rp, name, now=service.clock())
    return {"publicKey": json.loads(options)}


@post("/auth/enrol/webauthn", opt=second_factor(auth.ENROL), sync_to_thread=True, status_code=200)
def enrol_webauthn(request: Req, data: JSONBody[Answer]) -> Response[dict[str, Any]]:
    """The new security key's answer: it is enrolled and the login complete."""
    service = service_of(request)
    name, now = principal_of(request).user.name, service.clock()
    rp = webauthn.RelyingParty.from_settings(service.settings)
    try:
        webauthn.register(
            service.engine, service.log, rp, name, data.answer, label=_LABEL_KEY, now=now
        )
    except WrongFactor as error:
        _failed(request, error)
        raise
    return _enrolled(request)


def _enrolled(request: Req) -> Response[dict[str, Any]]:
    """The first factor is in: recovery codes (shown this once), and the login completes."""
    service = service_of(request)
    principal = principal_of(request)
    now = service.clock()
    key = mfa_key(service.settings, create=True)
    codes = recovery.issue(service.engine, service.log, key, principal.user.name, now=now)
    extra = {"recovery_codes": codes}
    return _completed(service, principal, now, address_of(request), extra)


# --- re-authentication in a complete session ----------------------------------------------------


@post("/auth/reauth", opt=needs("account.self"), sync_to_thread=True, status_code=200)
def reauth(request: Req, data: JSONBody[Reauth]) -> dict[str, Any]:
    """The password and second factor again: the session may do sensitive acts for a while.

    ``answer`` is a code (app or recovery), or a security key's answer (the credential as JSON)
    to ``POST /auth/reauth/webauthn/options``.
    """
    at = prove_again(request, data.password, data.answer)
    fresh_until = at + timedelta(minutes=FRESH_MINUTES)
    return {"fresh_until": fresh_until.isoformat(timespec="seconds")}


def prove_again(request: Req, password: str, answer: str | None) -> datetime:
    """Check the session's person's password and second factor again (a wrong one counts
    toward throttling like a wrong login); the session is fresh from the moment returned.
    The one check of every act that asks for them in its own form."""
    service = service_of(request)
    principal = principal_of(request)
    name, now = principal.user.name, service.clock()
    if principal.via != "session":
        raise AccessDenied(
            "an API token cannot re-authenticate",
            hint="log in on the web console, or with `sceau --server URL login NAME`",
        )
    address = address_of(request)
    check_not_throttled(service.engine, service.log, name, address=address, now=now)
    answer = (answer or "").strip()
    given = Given(assertion=answer) if answer.startswith("{") else Given(code=answer or None)
    try:
        proof = reauthenticate(
            service.settings,
            service.engine,
            service.log,
            name,
            password,
            given,
            params=service.password_params,
            now=now,
        )
    except (WrongFactor, WrongCredentials):  # a guess at re-authentication is a guess too
        record_failure(service.engine, name, address, now)
        raise
    auth.mark_reauthenticated(service.engine, principal.token_sha256, proof.at)
    return proof.at


@post(
    "/auth/reauth/webauthn/options", opt=needs("account.self"), sync_to_thread=True, status_code=200
)
def reauth_webauthn_options(request: Req, data: JSONBody[Empty]) -> dict[str, Any]:
    """The challenge for a security key's answer to ``POST /auth/reauth``."""
    del data
    return _challenge(request)


def _minutes(service: Service) -> int:
    return session_minutes(service.engine, service.settings.session_minutes)


def _complete(user: User) -> dict[str, Any]:
    return {"stage": "complete", "user": user.name, "role": user.role.value}


def _with_cookie(response: Response[Any], token: str) -> Response[Any]:
    """The session cookie: ``__Host-`` (Secure, Path=/, no Domain), HttpOnly, SameSite=Strict."""
    response.set_cookie(
        SESSION_COOKIE, token, path="/", secure=True, httponly=True, samesite="strict"
    )
    return response


ROUTES = [
    login,
    mfa_totp,
    mfa_recovery,
    mfa_webauthn_options,
    mfa_webauthn,
    enrol_code,
    enrol_totp,
    enrol_totp_confirm,
    enrol_webauthn_options,
    enrol_webauthn,
    reauth,
    reauth_webauthn_options,
]
