"""``sceau keys``: the controller's signer keys for mandates, and the key provider's keys."""

from __future__ import annotations

import os
from pathlib import Path

import click

from sceau.cli._context import Context
from sceau.config import Settings
from sceau.crypto.signing import fingerprint, public_pem
from sceau.keys import material, open_provider
from sceau.keys.db_passwords import account, forget_password, store_password
from sceau.mandate.draft import refuse_password
from sceau.mandate.signers import KEY_SUFFIX, chosen_signer, list_signers, new_signer
from sceau.migrate.certificate import certificate_public_key

PASSPHRASE_ENV = "SCEAU_SIGNER_PASSPHRASE"  # noqa: S105  (the variable's name, not a secret)


def signers_folder(settings: Settings) -> Path:
    """Where signer keys are written: ``<home>/signers``, mode 0700."""
    return settings.home / "signers"


def default_key(settings: Settings, name: str) -> Path:
    """The signer key a person signs with unless they name another."""
    return signers_folder(settings) / f"{name}{KEY_SUFFIX}"


def read_passphrase(*, confirm: bool) -> str:
    """The signer key's passphrase: from SCEAU_SIGNER_PASSPHRASE, else a hidden prompt."""
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    return str(
        click.prompt(
            "Signer key passphrase", hide_input=True, confirmation_prompt=confirm, err=True
        )
    )


@click.group()
def keys() -> None:
    """Signer keys (who may sign mandates) and the key provider's keys."""


@keys.command("new-signer")
@click.argument("name", required=False)
def new_signer_command(name: str | None) -> None:
    """Create your key for signing mandates; NAME defaults to your account name.

    \b
    The private key is written to <home>/signers/NAME.signer.pem, encrypted under the
    passphrase you choose (or SCEAU_SIGNER_PASSPHRASE); only its public half is registered.
    """
    context = Context.load()
    user = context.actor("keys.new-signer")
    passphrase = read_passphrase(confirm=True)
    signer = new_signer(
        context.engine,
        context.events,
        name or user.name,
        passphrase,
        signers_folder(context.settings),
        user=user.name,
    )
    click.echo(f"Created the signer {signer.name} for {user.name}.")
    click.echo(f"Fingerprint: {signer.fingerprint}")
    click.echo(f"Private key, encrypted under your passphrase: {signer.path}")
    click.echo("Keep the passphrase safe: without it the key cannot sign.")


@keys.command()
@click.option(
    "--export",
    "chosen",
    metavar="NAME|FINGERPRINT",
    help="Print this signer's public key (PEM) instead of the list, for whoever checks "
    "mandates with their own tools.",
)
def signers(chosen: str | None) -> None:
    """List the registered signers: name, account, fingerprint, created, revoked."""
    context = Context.load()
    context.actor("reports.read")
    if chosen is not None:
        click.echo(public_pem(chosen_signer(context.engine, chosen).public_key), nl=False)
        return
    found = list_signers(context.engine)
    if not found:
        click.echo("No signer yet: a controller creates one with `sceau keys new-signer`.")
        return
    for signer in found:
        revoked = f"revoked {signer.revoked_at:%Y-%m-%d}" if signer.revoked_at else "active"
        click.echo(
            f"{signer.name}  account {signer.user or '-'}  {signer.fingerprint}  "
            f"created {signer.created_at:%Y-%m-%d}  {revoked}"
        )


@keys.command()
@click.argument("key_id")
def rotate(key_id: str) -> None:
    """Add a new version of the key KEY_ID and re-wrap what it protects under it."""
    context = Context.load()
    user = context.actor("keys.rotate")
    provider = open_provider(context.settings)
    try:
        version = material.rotate(provider, context.engine, context.events, key_id, actor=user.name)
    finally:
        provider.close()
    click.echo(f"Rotated {key_id} at the {provider.name} provider: now version {version}.")


@keys.command(name="certificate-key")
def certificate_key() -> None:
    """Print the fingerprint of the key that signs this installation's deletion certificates.

    Give it to the controllers: with it, `sceau certificate FILE --fingerprint FP` proves a
    certificate came from here, and not from someone who signed one with a key of their own.
    """
    context = Context.load()
    user = context.actor("reports.read")
    provider = open_provider(context.settings)
    try:
        public = certificate_public_key(provider, context.engine, context.events, actor=user.name)
    finally:
        provider.close()
    click.echo(fingerprint(public))


@keys.group(name="db-password")
def db_password() -> None:
    """Database passwords kept by the key provider, for URLs that name a user but no password."""


@db_password.command(name="set")
@click.argument("url")
def db_password_set(url: str) -> None:
    """Keep the password of URL (postgresql://user@host/db, mysql://user@host/db).

    \b
    The password is asked for twice, hidden, and kept wrapped by the key provider; sceau gives
    it to the database when it connects to URL, and never writes it anywhere in clear. Setting
    it again replaces it (the old one is crypto-shredded).
    """
    context = Context.load()
    user = context.actor("keys.db-password")
    refuse_password(url, where="URL")  # before a prompt
    password = str(
        click.prompt("Database password", hide_input=True, confirmation_prompt=True, err=True)
    )
    provider = open_provider(context.settings)
    try:
        store_password(provider, context.engine, context.events, url, password, actor=user.name)
    finally:
        provider.close()
    click.echo(f"Kept the password for {account(url)}, wrapped by the {provider.name} provider.")


@db_password.command(name="forget")
@click.argument("url")
def db_password_forget(url: str) -> None:
    """Crypto-shred the password kept for URL."""
    context = Context.load()
    user = context.actor("keys.db-password")
    refuse_password(url, where="URL")
    provider = open_provider(context.settings)
    try:
        count = forget_password(provider, context.engine, context.events, url, actor=user.name)
    finally:
        provider.close()
    if count:
        click.echo(f"Forgot the password kept for {account(url)}: its key was destroyed.")
    else:
        click.echo(f"No password was kept for {account(url)}.")
