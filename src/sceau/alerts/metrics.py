"""Prometheus metrics read from the state store at scrape time: counts only, never a value.

No counter lives in a process: every scrape asks the store, so any number of sceau processes
(and a restarted one) report the same figures, and the exporter holds no state of its own. The
queries are reads through indexes and small aggregates; a scrape every 15 s costs nothing.

Every series a dashboard may graph is always present (0 when nothing matches), so a panel
never goes blank because, say, no run has failed yet. The last audit verification is the
exception: absent until the log was verified once, because a timestamp of 0 would be a lie.
"""

from __future__ import annotations

from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, generate_latest, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from sceau.alerts.model import Severity, State
from sceau.audit.entry import decode
from sceau.errors import SceauError
from sceau.events import AuditVerificationFailed, AuditVerified
from sceau.migrate.state import RunState
from sceau.store.errors import StoreError
from sceau.store.schema import (
    alerts,
    audit_checkpoints,
    audit_entries,
    audit_head,
    checkpoints,
    runs,
)

RUN_STATUSES = tuple(state.value for state in RunState)
_VERIFICATIONS = (AuditVerified.name, AuditVerificationFailed.name)


class MetricsError(SceauError):
    """The metrics cannot be served (the port is taken, the address is not this machine's)."""


class StoreCollector(Collector):
    """Reads the figures from ``engine`` each time it is collected."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        try:
            with self.engine.connect() as connection:
                families = list(_families(connection))
        except SQLAlchemyError as error:
            raise StoreError(
                f"cannot read the metrics from the state store ({type(error).__name__})",
                hint="check that the database is running and that its URL is right",
            ) from None
        yield from families


def _families(connection: Connection) -> Iterator[Metric]:
    by_status = dict.fromkeys(RUN_STATUSES, 0)
    for status, number in connection.execute(
        select(runs.c.status, func.count()).group_by(runs.c.status)
    ):
        by_status[status] = number  # a status this version does not know is still shown
    family = GaugeMetricFamily("sceau_runs", "Migration runs, by status.", labels=["status"])
    for status, number in by_status.items():
        family.add_metric([status], number)
    yield family

    for name, column, phase, doc in (
        ("sceau_rows_moved", checkpoints.c.rows, "loaded", "Rows loaded into destinations."),
        (
            "sceau_rows_refused",
            checkpoints.c.refused_rows,
            "staged",
            "Rows refused while staging (outside the mandate or malformed).",
        ),
    ):
        total = connection.execute(
            select(func.coalesce(func.sum(column), 0)).where(checkpoints.c.phase == phase)
        ).scalar_one()
        yield CounterMetricFamily(name, doc, value=int(total))

    by_kind = {(severity.value, state.value): 0 for severity in Severity for state in State}
    for severity, state, number in connection.execute(
        select(alerts.c.severity, alerts.c.state, func.count()).group_by(
            alerts.c.severity, alerts.c.state
        )
    ):
        by_kind[(severity, state)] = number
    family = GaugeMetricFamily(
        "sceau_alerts", "Alerts, by severity and state.", labels=["severity", "state"]
    )
    for labels, number in by_kind.items():
        family.add_metric(list(labels), number)
    yield family

    size = connection.execute(select(audit_head.c.size).order_by(audit_head.c.id).limit(1)).scalar()
    if size is None:
        size = connection.execute(select(func.count()).select_from(audit_entries)).scalar_one()
    yield GaugeMetricFamily("sceau_audit_entries", "Entries in the audit log.", value=size)
    yield GaugeMetricFamily(
        "sceau_audit_checkpoints",
        "Signed checkpoints of the audit log.",
        value=connection.execute(select(func.count()).select_from(audit_checkpoints)).scalar_one(),
    )

    entry = connection.execute(
        select(audit_entries.c.entry)
        .where(audit_entries.c.name.in_(_VERIFICATIONS))
        .order_by(audit_entries.c.seq.desc())
        .limit(1)
    ).scalar()
    if entry is not None:
        last = decode(entry)
        yield GaugeMetricFamily(
            "sceau_audit_last_verification_timestamp_seconds",
            "When the audit log was last verified (Unix time).",
            value=last.at.timestamp(),
        )
        yield GaugeMetricFamily(
            "sceau_audit_last_verification_ok",
            "1 if the last verification of the audit log passed, 0 if it failed.",
            value=1 if last.name == AuditVerified.name else 0,
        )


def _registry(engine: Engine) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)  # no query when registering
    registry.register(StoreCollector(engine))
    return registry


def metrics_text(engine: Engine) -> bytes:
    """The metrics once, in Prometheus' text format: for a cron job or the node exporter's
    textfile collector, where no port may be opened."""
    return generate_latest(_registry(engine))


def serve_metrics(engine: Engine, host: str = "127.0.0.1", port: int = 9464) -> WSGIServer:
    """Serve the metrics over HTTP from a background thread, for Prometheus to scrape.

    Loopback by default: the figures are counts, but who ran how much is still nobody else's
    business. ``port`` 0 picks a free port (``server.server_port`` tells which). Stop it with
    ``server.shutdown()`` then ``server.server_close()``.
    """
    try:
        server, _thread = start_http_server(port, addr=host, registry=_registry(engine))
    except OSError as error:
        raise MetricsError(
            f"cannot serve the metrics ({error.strerror or type(error).__name__})",
            hint="choose another port, or an address of this machine, with --serve HOST:PORT",
            where=f"{host}:{port}",
        ) from None
    return server
