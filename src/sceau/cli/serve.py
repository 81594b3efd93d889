"""``sceau serve``: run the service that alone holds the store, the audit key and the sessions.

It listens on loopback unless told otherwise, and refuses any other address without TLS: give
it a certificate (``--certfile``/``--keyfile``), or put it behind a TLS reverse proxy with
``--behind-proxy``, and then only the proxy at ``trusted_proxy`` may say, in ``X-Forwarded-*``,
who the client is. SIGTERM (or Ctrl-C) stops it cleanly: requests finish, supervision stops.
"""

from __future__ import annotations

import ipaddress
import signal
import socket
from pathlib import Path

import click
import uvicorn

from sceau.accounts.users import SYSTEM
from sceau.cli._context import Context
from sceau.errors import SceauError
from sceau.events import ServiceStarted, ServiceStopped
from sceau.web import create_app


def loopback(host: str) -> bool:
    """Whether ``host`` is loopback (or ``localhost``): reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: it may resolve anywhere


def check_listening(host: str, tls: bool, behind_proxy: bool, trusted_proxy: str) -> None:
    """Refuse to serve people in clear over a network, and to trust forwarded headers blindly."""
    if behind_proxy and not trusted_proxy:
        raise SceauError(
            "--behind-proxy needs the proxy's address, to trust X-Forwarded-* from it only",
            hint="set trusted_proxy (SCEAU_TRUSTED_PROXY) to the proxy's IP address",
        )
    if not (loopback(host) or tls or behind_proxy):
        raise SceauError(
            f"refusing to listen on {host} without TLS: passwords and tokens would cross the "
            "network in clear",
            hint="give --certfile and --keyfile, or put a TLS reverse proxy in front and pass "
            "--behind-proxy (with trusted_proxy set)",
        )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8443, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--certfile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The TLS certificate (PEM, with its chain).",
)
@click.option(
    "--keyfile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The TLS certificate's private key (PEM).",
)
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="TLS ends at a reverse proxy at trusted_proxy; X-Forwarded-* is read from it only.",
)
@click.option(
    "--allow-no-mfa",
    is_flag=True,
    help="DEMO ONLY: let accounts without a second factor log in with a password alone.",
)
def serve(
    host: str,
    port: int,
    certfile: Path | None,
    keyfile: Path | None,
    behind_proxy: bool,
    allow_no_mfa: bool,
) -> None:
    """Run the service: accounts, roles and labs in front of runs, alerts and the audit trail."""
    if (certfile is None) != (keyfile is None):
        raise SceauError("--certfile and --keyfile go together", hint="give both, or neither")
    context = Context.load()
    settings = context.settings
    tls = certfile is not None
    check_listening(host, tls, behind_proxy, settings.trusted_proxy)
    if allow_no_mfa and not settings.require_mfa:
        click.echo(
            "WARNING: --allow-no-mfa: accounts without a second factor log in with a password "
            "alone. For a demo only: never with real patients' data.",
            err=True,
        )
    app = create_app(
        settings,
        engine=context.engine,
        log=context.events,
        tls=tls or behind_proxy,
        allow_no_mfa=allow_no_mfa,
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        proxy_headers=behind_proxy,  # uvicorn trusts loopback's X-Forwarded-* unless told not to
        forwarded_allow_ips=settings.trusted_proxy if behind_proxy else "",
        server_header=False,
        lifespan="on",
        log_level="warning",
    )
    address = f"{host}:{port}"
    url = f"{'https' if tls else 'http'}://{address}"
    server = _Announcing(config, url, behind_proxy)
    context.events.record(
        ServiceStarted(actor=SYSTEM, address=address, tls=tls, behind_proxy=behind_proxy)
    )
    # uvicorn shuts down cleanly on SIGTERM, then raises it again for the handler it found: let
    # that be one that records the stop instead of the default, which kills the process first
    signal.signal(signal.SIGTERM, _already_stopped)
    try:
        server.run()
    finally:
        context.events.record(ServiceStopped(actor=SYSTEM, address=address))
    if not server.started:
        raise SceauError(
            f"the service could not listen on {address}",
            hint="is another process on that port? choose another with --port",
        )
    click.echo("sceau serve stopped.")


def _already_stopped(signum: int, frame: object) -> None:
    """SIGTERM once uvicorn has shut down: nothing is left to stop."""
    del signum, frame


class _Announcing(uvicorn.Server):
    """A uvicorn server that says where it listens once it does (and nothing before)."""

    def __init__(self, config: uvicorn.Config, url: str, behind_proxy: bool) -> None:
        super().__init__(config)
        self.url, self.behind_proxy = url, behind_proxy

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            via = " (behind the proxy)" if self.behind_proxy else ""
            click.echo(f"sceau serve: listening on {self.url}{via}; SIGTERM stops it.")
