"""``sceau keys``: the controller's signer keys for mandates, and the key provider's keys."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from sceau.cli._context import Context
from sceau.cli._reauth import reauthenticate
from sceau.cli._text import shown
from sceau.config import Settings
from sceau.crypto.signing import fingerprint, grouped, public_pem
from sceau.keys import material, open_provider
from sceau.keys.db_passwords import account, forget_password, store_password
from sceau.mandate.draft import refuse_password
from sceau.mandate.model import MandateError
from sceau.mandate.proof import SignerProof, prove_signers
from sceau.mandate.signature import VerificationError
from sceau.mandate.signers import (
    KEY_SUFFIX,
    Signer,
    chosen_signer,
    list_signers,
    new_signer,
    revoke_signer,
)
from sceau.mandate.verify import proven_key
from sceau.migrate.certificate import certificate_public_key

if TYPE_CHECKING:
    from sceau.cli._remote import Remote

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


_PASSWORD_STDIN = click.option(
    "--password-stdin",
    is_flag=True,
    help="Read your account's password (asked again before this act) from stdin's first line.",
)


@keys.command("new-signer")
@click.argument("name", required=False)
@click.option(
    "--suffix",
    default="",
    help="For another key of yours: a few lower-case letters or digits, giving "
    "<you>-SUFFIX.signer.pem.",
)
@_PASSWORD_STDIN
def new_signer_command(name: str | None, suffix: str, password_stdin: bool) -> None:
    """Create your key for signing mandates. It carries your account's name, no other.

    \b
    Your account's password is asked again first: registering a key binds you to what it signs.
    The private key is written to <home>/signers/<you>.signer.pem, encrypted under the
    passphrase you choose (or SCEAU_SIGNER_PASSPHRASE); its public half is registered in the
    audit trail. NAME, if given, must be your account's name.

    \b
    With --server URL, the key file is made on this machine (or the one there is used) and
    only its public half is registered at the service, unless it is registered already.
    """
    context = Context.load()
    remote = context.remote()
    if remote is not None:
        with remote:
            _new_signer_at_service(context.settings, remote, name, suffix, password_stdin)
        return
    user = context.actor("keys.new-signer")
    if name is not None and name != user.name:
        raise MandateError(
            "a signer key carries its owner's account name, and no other",
            hint=f"run `sceau keys new-signer` as yourself: the key will be named {user.name}",
            where="NAME",
        )
    reauthenticate(context, user, "keys new-signer", from_stdin=password_stdin)
    passphrase = read_passphrase(confirm=True)
    signer = new_signer(
        context.engine,
        context.events,
        passphrase,
        signers_folder(context.settings),
        user=user.name,
        suffix=suffix,
    )
    click.echo(f"Created a signer key for {user.name}.")
    click.echo(f"Fingerprint: {grouped(signer.fingerprint)}")
    click.echo(
        "Give the fingerprint to those who check your mandates by another way than this "
        "machine (on paper, by phone): every mandate you sign shows it."
    )
    click.echo(f"Private key, encrypted under your passphrase: {signer.path}")
    click.echo("Keep the passphrase safe: without it the key cannot sign.")


def _new_signer_at_service(
    settings: Settings, remote: Remote, name: str | None, suffix: str, password_stdin: bool
) -> None:
    """``sceau --server URL keys new-signer``: the key file is made (or was) on this machine;
    its public half is registered at the service unless it is already."""
    from sceau.cli._remote_signing import account_of, register_key  # HTTP: only here

    user = account_of(remote)
    if name is not None and name != user:
        raise MandateError(
            "a signer key carries its owner's account name, and no other",
            hint=f"the key will be named {user}, the account this machine is logged in as",
            where="NAME",
        )
    fingerprint, path, now = register_key(
        remote,
        signers_folder(settings),
        user=user,
        suffix=suffix,
        passphrase=lambda confirm: read_passphrase(confirm=confirm),
        from_stdin=password_stdin,
    )
    said = "Registered at the service" if now else "Already registered at the service"
    click.echo(f"{said}: the signer key of {user}.")
    click.echo(f"Fingerprint: {grouped(fingerprint)}")
    click.echo(f"Private key, encrypted under your passphrase, on this machine only: {path}")


@keys.command()
@click.argument("fingerprint")
@click.option("--reason", required=True, help="Why, on one line (kept in the audit trail).")
@_PASSWORD_STDIN
def revoke(fingerprint: str, reason: str, password_stdin: bool) -> None:
    """Revoke the signer key FINGERPRINT for good: by its owner, or an admin.

    \b
    Every mandate the key signed is refused from then on, whenever it was signed (a stolen key
    can sign with any date): the controller signs the mandates still needed with a new key.
    Your account's password is asked again first.
    """
    context = Context.load()
    user = context.actor("keys.revoke")
    wanted = "".join(fingerprint.split()).lower()  # as `keys signers` groups it, or whole
    reauthenticate(context, user, "keys revoke", from_stdin=password_stdin)
    signer = revoke_signer(context.engine, context.events, wanted, by=user.name, reason=reason)
    click.echo(f"Revoked {signer.user}'s key {grouped(signer.fingerprint)}.")
    click.echo(
        "No mandate it signed is valid any longer, whenever it was signed; have the mandates "
        "still needed signed again with a new key."
    )


@keys.command()
@click.option(
    "--export",
    "chosen",
    metavar="NAME|FINGERPRINT",
    help="Print this signer's public key (PEM) instead of the list, for whoever checks "
    "mandates with their own tools.",
)
def signers(chosen: str | None) -> None:
    """List the signer keys: owner, fingerprint, created, and whether the audit trail proves
    them (active), revoked them, or never recorded them (refused)."""
    context = Context.load()
    context.actor("reports.read")
    if chosen is not None:
        _export(context, chosen)
        return
    found = list_signers(context.engine)
    if not found:
        click.echo("No signer yet: a controller creates one with `sceau keys new-signer`.")
        return
    try:
        proof: SignerProof | None = prove_signers(context.events)
    except VerificationError as error:
        proof = None
        click.echo(f"The audit trail does not verify: no key is proven. {error.message}")
    for signer in found:
        click.echo(
            f"{shown(signer.user or '-')}  key {grouped(signer.fingerprint)}  "
            f"created {signer.created_at:%Y-%m-%d}  {_status(proof, signer)}"
        )


def _export(context: Context, chosen: str) -> None:
    """A signer's public key as PEM, only if the trail proves it: whoever checks mandates with
    it outside sceau must not be handed a key smuggled into the table."""
    signer = chosen_signer(context.engine, chosen)
    proof = prove_signers(context.events)
    try:
        public = proven_key(proof, signer, where=signer.fingerprint).public_key
    except VerificationError as error:
        known = proof.key(signer.fingerprint)
        if error.reason != "revoked-signer" or known is None:
            raise
        click.echo(f"Warning: {error.message}", err=True)
        public = known.public_key  # as the trail registered it, whatever the table says now
    click.echo(public_pem(public), nl=False)


def _status(proof: SignerProof | None, signer: Signer) -> str:
    """What verification would make of the key: the trail's word, not the table's."""
    if proof is None:
        return "UNPROVEN (the trail does not verify)"
    try:
        proven = proven_key(proof, signer, where=signer.fingerprint)
    except VerificationError as error:
        if error.reason == "revoked-signer":
            known = proof.key(signer.fingerprint)
            when = (known and known.revoked_at) or signer.revoked_at
            by = f" by {known.revoked_by}" if known and known.revoked_by else ""
            return f"REVOKED {when:%Y-%m-%d}{by}"
        if error.reason == "unproven-signer":
            return "REFUSED: registered outside sceau (not in the audit trail)"
        return "REFUSED: the signers table and the audit trail disagree"
    return f"active (registered by {proven.account} {proven.registered_at:%Y-%m-%d})"


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
