"""The service against requests generated from its own OpenAPI schema (schemathesis): no
request, however odd, gets a 5xx; with no credentials, every route but the declared public
ones answers 401 or 403. The schema route itself needs a login: it is loaded with a token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from litestar import Litestar
from schemathesis.python import asgi
from tests.web.service import service_world

from sceau.web import auth
from sceau.web.problems import CSRF_COOKIE, CSRF_HEADER

PUBLIC = {
    ("GET", "/health"),
    ("POST", "/auth/login"),
    ("GET", "/login"),
    ("GET", "/static/{name}"),
}
_EXAMPLES = settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[Litestar, str]:
    _, app = service_world(tmp_path_factory.mktemp("fuzz") / "home", require_mfa=True)
    now = datetime.now(UTC)
    _, token = auth.new_token(app.state.service, "dr.martin", "fuzz", 1, now)
    return app, token


@pytest.fixture(scope="module")
def csrf(served: tuple[Litestar, str]) -> str:
    """A CSRF token the app issued: anonymous requests then meet the guard, not the CSRF check."""
    with asgi.get_client(served[0]) as browser:  # the client schemathesis itself calls with
        token = browser.get("/health").cookies.get(CSRF_COOKIE)
    assert token
    return token


@pytest.fixture(scope="module")
def api_schema(served: tuple[Litestar, str]) -> Any:
    app, token = served
    bearer = {"authorization": f"Bearer {token}"}
    return schemathesis.openapi.from_asgi("/schema/openapi.json", app, headers=bearer)


def each_operation(api_schema: Any, check: Callable[[Any], None]) -> int:
    """Run ``check`` on a few generated requests of every operation; how many operations."""
    count = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @_EXAMPLES
        @given(case=operation.as_strategy())
        def one(case: Any) -> None:
            check(case)

        one()
        count += 1
    return count


def test_no_credentials_reach_nothing_but_the_public_routes(api_schema: Any, csrf: str) -> None:
    def check(case: Any) -> None:
        response = case.call(headers={"cookie": f"{CSRF_COOKIE}={csrf}", CSRF_HEADER: csrf})
        assert response.status_code < 500, response.text
        if (case.method.upper(), case.path) not in PUBLIC:
            assert response.status_code in (401, 403), (case.method, case.path, response.text)

    assert each_operation(api_schema, check) > 30
    log = api_schema.app.state.service.log
    reasons = {e.get("reason") for e in log.read(names={"auth.denied"})}
    assert "no or wrong CSRF token" not in reasons  # the guard refused them, not the CSRF check


def test_nothing_a_logged_in_client_sends_breaks_the_service(
    api_schema: Any, served: tuple[Litestar, str]
) -> None:
    _, token = served

    def check(case: Any) -> None:
        if case.path == "/auth/logout":
            return  # it would revoke the token the other requests use
        response = case.call(headers={"authorization": f"Bearer {token}"})
        assert response.status_code < 500, (case.method, case.path, response.text)

    assert each_operation(api_schema, check) > 30
