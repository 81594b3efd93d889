"""Default deny, proven by walking the router: every route and method the service answers is
refused to anonymous requests and to roles the table does not name, and reaches its handler for
the roles it does; the only open routes are the ones declared public."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from tests.web.service import BASE, service_world

from sceau.accounts import PERMISSIONS, Role
from sceau.accounts.users import get_user
from sceau.web import auth
from sceau.web.app import routes_of
from sceau.web.guard import ACTION, FRESH, PUBLIC, SECOND_FACTOR, SESSION_COOKIE
from sceau.web.problems import CSRF_COOKIE, CSRF_HEADER

PEOPLE = {
    Role.ADMIN: "admin",
    Role.CONTROLLER: "dr.martin",
    Role.OPERATOR: "op.durand",
    Role.AUDITOR: "aud.petit",
}
PARAMETERS = {
    "{method:str}": "totp",
    "{token_id:str}": "0000000000000000",
    "{run_id:str}": "no-such-run",
    "{alert_id:int}": "1",
    "{name:str}": "op.durand",
    "{finess:str}": "130000011",
    "{seq:int}": "0",
    "{path:str}": "anything",
    "{factor_id:int}": "1",
    "{fingerprint:str}": "0" * 64,
    "{session:str}": "000000000000",
    "{scan_id:int}": "1",
    "{fmt:str}": "json",
    "{incident_id:int}": "1",
}
PUBLIC_ROUTES = {
    ("/health", "GET"),
    ("/auth/login", "POST"),
    ("/login", "GET"),  # the console's login page and its script and style
    ("/static/{name:str}", "GET"),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    return service_world(tmp_path_factory.mktemp("deny") / "home")[1]


def url(path: str) -> str:
    for pattern, value in PARAMETERS.items():
        path = path.replace(pattern, value)
    return path + ("?old=1&new=1" if path.endswith("/consistency") else "")


def call(
    app: Litestar,
    method: str,
    path: str,
    role: Role | None,
    *,
    complete: bool = True,
    reauthenticated: bool = False,
) -> int:
    """The status of one request, as ``role``'s person in a new session (or anonymous), which
    gave its password and factor again just now if ``reauthenticated``."""
    with TestClient(app, base_url=BASE) as client:
        csrf = client.get("/health").cookies.get(CSRF_COOKIE) or ""
        if role is not None:
            service = app.state.service
            with service.engine.connect() as connection:
                user = get_user(connection, PEOPLE[role])
            assert user is not None
            token = auth.open_session(
                service, user, complete=complete, minutes=5, now=service.clock()
            )
            if reauthenticated:
                auth.mark_reauthenticated(
                    service.engine, auth.digest(service, token), service.clock()
                )
            client.cookies.set(SESSION_COOKIE, token)
        body = {} if method in {"POST", "PUT", "PATCH"} else None
        return client.request(method, url(path), json=body, headers={CSRF_HEADER: csrf}).status_code


def test_every_route_declares_an_action_of_the_table_or_why_it_is_public(app: Litestar):
    declared = {}
    for path, method, opt in routes_of(app):
        if method == "OPTIONS" and not opt:
            continue  # Litestar's own preflight answers: refused to all, below
        assert opt.get(ACTION) in PERMISSIONS or opt.get(PUBLIC) or opt.get(SECOND_FACTOR), (
            f"{method} {path} declares no action of the roles table"
        )
        declared[(path, method)] = opt
    public = {key for key, opt in declared.items() if opt.get(PUBLIC)}
    assert public == PUBLIC_ROUTES


def expected(opt: dict[str, object], who: Role | None, *, fresh: bool = False) -> int | None:
    """The refusal ``who`` must get (401, 403), or None if the request must reach its handler;
    ``fresh``: the session re-authenticated just now."""
    if opt.get(PUBLIC):
        return None
    if opt.get(SECOND_FACTOR):
        return 401  # a complete session, or none: only a login awaiting its factor passes
    action = opt.get(ACTION)
    if not isinstance(action, str):
        return 403  # declares no action: refused to everyone
    if who is None:
        return 401
    if who not in PERMISSIONS[action]:
        return 403
    return 403 if opt.get(FRESH) and not fresh else None


def test_walking_the_router_every_route_refuses_who_it_must_and_lets_in_who_it_may(app: Litestar):
    wrong = []
    for path, method, opt in routes_of(app):
        for who in (None, *Role):
            got, want = call(app, method, path, who), expected(opt, who)
            if (want is None and got in (401, 403)) or (want is not None and got != want):
                wrong.append(f"{method} {path} as {who or 'anonymous'}: {got}, expected {want}")
            if opt.get(FRESH) and who is not None:  # and once re-authenticated just now
                got = call(app, method, path, who, reauthenticated=True)
                want = expected(opt, who, fresh=True)
                if (want is None and got in (401, 403)) or (want is not None and got != want):
                    wrong.append(f"{method} {path} as fresh {who}: {got}, expected {want}")
        pending = isinstance(opt.get(ACTION), str)  # an admin's login awaiting its second factor
        if pending and (got := call(app, method, path, Role.ADMIN, complete=False)) != 401:
            wrong.append(f"{method} {path}: a session awaiting its second factor got {got}")
    assert not wrong, "\n".join(wrong)


def test_the_second_factor_step_is_open_only_to_a_login_waiting_for_it(app: Litestar):
    for path in ("/auth/mfa/totp", "/auth/enrol/totp"):
        assert call(app, "POST", path, Role.OPERATOR, complete=True) == 401
    with TestClient(app, base_url=BASE) as client:
        csrf = client.get("/health").cookies.get(CSRF_COOKIE) or ""
        service = app.state.service
        with service.engine.connect() as connection:
            user = get_user(connection, "op.durand")
        assert user is not None
        pending = auth.open_session(service, user, complete=False, minutes=5, now=service.clock())
        client.cookies.set(SESSION_COOKIE, pending)
        answer = client.post(
            "/auth/mfa/totp", json={"answer": "123456"}, headers={CSRF_HEADER: csrf}
        )
    # past the guard: the handler refuses the code of an account with no app enrolled
    assert answer.status_code == 401
    assert "no authenticator app enrolled" in answer.json()["title"]


def test_every_refusal_is_in_the_audit_trail(app: Litestar):
    log = app.state.service.log
    before = log.size()
    assert call(app, "GET", "/api/runs", None) == 401
    assert call(app, "POST", "/api/audit/verify", Role.OPERATOR) == 403
    denied = list(log.read(after=before - 1, names={"auth.denied"}))
    assert [(e.actor, e.get("command"), e.get("reason")) for e in denied] == [
        ("(anonymous)", "reports.read", "not logged in"),
        ("op.durand", "audit.read", "role operator not allowed"),
    ]
