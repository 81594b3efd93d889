"""A real certificate of deletion, signed by a real key provider's certificate key."""

from __future__ import annotations

import json

import pytest

from sceau.audit.sink import AuditLog
from sceau.config import Settings
from sceau.keys import open_provider
from sceau.migrate.certificate import issue_certificate
from sceau.store import open_store

BODY = {
    "certificate": "deletion",
    "schema_version": 1,
    "mandate": {"controller": {"name": "Laboratoire Hébergé à Évry €", "finess": "910000001"}},
    "rows": {"staged": 491_840, "loaded": 120_000},
    "key": {"destroyed": True, "provider": "local"},
    "overrides": [],
    "shredded_by": "op.durand",
}


@pytest.fixture
def certificate(local_settings: Settings) -> dict:
    engine = open_store(local_settings.store)
    provider = open_provider(local_settings)
    try:
        made = issue_certificate(
            provider, engine, AuditLog.from_settings(local_settings, engine), BODY, actor="t"
        )
    finally:
        provider.close()
        engine.dispose()
    return json.loads(json.dumps(made.to_dict(), indent=2))  # as a file gives it back
