"""The service works connected as the PostgreSQL role ``sceau audit lockdown`` grants: it logs
people in, makes tokens and answers, its audit entries are added, and it cannot change them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from tests.migrate.world import CHEAP, PASSWORD
from tests.postgres import POSTGRES
from tests.web.service import client, log_in

from sceau.accounts import Role, add_user
from sceau.audit.sink import AuditLog
from sceau.config import Settings
from sceau.store import open_store
from sceau.store.append_only import grant_service_role
from sceau.web import create_app


@pytest.fixture
def service_url() -> Iterator[str]:
    """A schema locked down by its owner, and the URL the service connects to it with."""
    schema, role = f"sceau_web_{uuid4().hex[:12]}", f"sceau_web_{uuid4().hex[:12]}"
    server = create_engine(POSTGRES)
    with server.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    owner = open_store(f"{POSTGRES}?options=-csearch_path%3D{schema}")
    grant_service_role(owner, role)
    with server.begin() as connection:
        connection.exec_driver_sql(f'ALTER ROLE "{role}" LOGIN')
    owner.dispose()
    try:
        yield f"postgresql+psycopg://{role}@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"
    finally:
        with server.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
            connection.exec_driver_sql(f'DROP ROLE "{role}"')
        server.dispose()


def test_the_service_runs_as_the_locked_down_role(service_url: str, tmp_path: Path):
    settings = Settings(home=tmp_path / "home", store_url=service_url)
    engine = open_store(service_url)
    log = AuditLog.from_settings(settings, engine)
    add_user(engine, log, "admin", Role.ADMIN, PASSWORD, by="admin", params=CHEAP)
    add_user(engine, log, "aud.petit", Role.AUDITOR, PASSWORD, by="admin", params=CHEAP)
    app = create_app(
        settings, engine=engine, log=log, supervise=False, password_params=CHEAP, allow_no_mfa=True
    )
    with client(app) as browser:
        log_in(browser, "aud.petit")
        assert browser.post("/api/tokens", json={"label": "laptop"}).status_code == 201
        assert browser.get("/api/runs").json() == {"runs": []}
        verified = browser.post("/api/audit/verify").json()
        assert verified["intact"] is True
    names = [e.name for e in log.read()]
    assert names[-3:] == ["auth.login", "auth.token_created", "audit.verified"]
    with pytest.raises(DBAPIError, match="permission denied"), engine.begin() as c:
        c.execute(text("DELETE FROM audit_entries"))
    engine.dispose()
