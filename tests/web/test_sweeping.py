"""The service sweeps the ``sweep`` setting's folders on its own, and the supervision it runs
raises the stray copy it finds: where and how old, as the ``stray-copy`` alert."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from litestar.testing import TestClient
from sqlalchemy import select
from tests.foreign.generator import generate
from tests.trace.test_sweep import EXPORT, record
from tests.trace.test_trace_leak import read_table
from tests.web.service import BASE, service_world

from sceau.keys import open_provider
from sceau.store.schema import alerts
from sceau.trace.index import TraceIndex
from sceau.trace.key import trace_key
from sceau.web import create_app


def test_the_service_sweeps_on_its_own_and_raises_the_stray_copy(tmp_path: Path):
    world, _ = service_world(tmp_path / "home")
    provider = open_provider(world.settings)
    try:
        secret = trace_key(provider, world.engine, world.events, actor="op.durand")
    finally:
        provider.close()
    generate(tmp_path / "lab", patients=100, seed=5)
    index = TraceIndex(world.engine, world.settings.home / "trace")
    number = record(index, secret, tmp_path / "lab" / EXPORT)
    shared = tmp_path / "partage"
    shared.mkdir()
    stray = shared / "a_verifier.csv"
    stray.write_text(read_table(tmp_path / "lab" / EXPORT).head(50).write_csv(separator=";"))
    settings = replace(world.settings, supervise_seconds=1, sweep=(str(shared),))
    app = create_app(settings, engine=world.engine, log=world.events)
    with TestClient(app, base_url=BASE) as browser:
        assert browser.get("/health").status_code == 200
        deadline = time.monotonic() + 60
        query = select(alerts.c.summary, alerts.c.facts).where(alerts.c.rule == "stray-copy")
        raised: list[tuple[str, dict[str, object]]] = []
        while not raised and time.monotonic() < deadline:
            time.sleep(0.2)
            with world.engine.connect() as connection:
                raised = [(row.summary, row.facts) for row in connection.execute(query)]
    ((summary, facts),) = raised
    assert str(stray) in summary
    assert "last changed 0 day(s) ago" in summary
    assert facts["records"] == f"#{number}"
    assert facts["found_by"] == "sceau"
