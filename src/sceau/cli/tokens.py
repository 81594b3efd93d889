"""``sceau tokens list|revoke``: your API tokens at the service (``sceau login`` with ``--server``
makes one for this machine). A token you no longer use, or that may have been copied, is revoked
here, from any machine you are logged in on."""

from __future__ import annotations

from urllib.parse import quote

import click

from sceau.cli._context import Context
from sceau.cli._remote import Remote
from sceau.errors import SceauError


def _remote(context: Context) -> Remote:
    remote = context.remote()
    if remote is None:
        raise SceauError(
            "API tokens are the service's: this command needs the service's URL",
            hint="pass --server URL (or set server, SCEAU_SERVER)",
        )
    return remote


@click.group()
def tokens() -> None:
    """Your API tokens at the service: list them, revoke one."""


@tokens.command("list")
def list_tokens() -> None:
    """Your tokens, by id and label, the newest first (never the tokens themselves)."""
    with _remote(Context.load()) as remote:
        found = remote.json("GET", "/api/tokens")["tokens"]
    if not found:
        click.echo("You have no API token.")
    for token in found:
        state = f"revoked {token['revoked_at'][:16]}" if token["revoked_at"] else "live"
        click.echo(
            f"{token['token_id']}  {token['label']}  made {token['created_at'][:16]}  "
            f"expires {token['expires_at'][:16]}  {state}"
        )


@tokens.command()
@click.argument("token_id")
def revoke(token_id: str) -> None:
    """Revoke your token TOKEN_ID: the machine holding it is refused from now on."""
    with _remote(Context.load()) as remote:
        remote.json("DELETE", f"/api/tokens/{quote(token_id, safe='')}")
    click.echo(f"Token {token_id} revoked.")
