"""``sceau metrics``: the state store's figures for Prometheus, printed once or served."""

from __future__ import annotations

import time

import click

from sceau.alerts.metrics import metrics_text, serve_metrics
from sceau.cli._context import Context


def _address(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9464`` for IPv6) as a pair; a click error otherwise."""
    host, colon, port = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not port.isdigit() or int(port) > 65535:
        raise click.BadParameter(
            "expected HOST:PORT, for example 127.0.0.1:9464", param_hint="--serve"
        )
    return host, int(port)


@click.command()
@click.option(
    "--serve",
    "address",
    metavar="HOST:PORT",
    help="Serve the metrics over HTTP until interrupted, instead of printing them once.",
)
def metrics(address: str | None) -> None:
    """Runs, rows moved, alerts and the audit log's state, in Prometheus' text format."""
    where = _address(address) if address is not None else None
    context = Context.load()
    context.actor("reports.read")  # counts only, the same people who may read the reports
    if where is None:
        click.echo(metrics_text(context.engine).decode(), nl=False)
        return
    server = serve_metrics(context.engine, *where)
    host = f"[{where[0]}]" if ":" in where[0] else where[0]
    click.echo(f"Serving on http://{host}:{server.server_port}/metrics; Ctrl-C stops.", err=True)
    try:
        while True:  # not one long wait: a Ctrl-C caught by a server thread would go unseen
            time.sleep(0.5)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.shutdown()
        server.server_close()
